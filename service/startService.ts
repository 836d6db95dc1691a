import type { FastifyInstance } from "fastify";
import { HybridSessionStore } from "../store";
import { buildService } from "./buildService";
import type { ServiceConfig } from "./config";

export interface RunningService {
  app: FastifyInstance;
  /** The address it listens on, e.g. "http://127.0.0.1:8000". */
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes the store. */
  stop(): Promise<void>;
}

/** Connects the store, builds the service over it and listens. */
export async function startService(config: ServiceConfig): Promise<RunningService> {
  const offset = config.clockOffsetMs;
  const storeConfig = { ...config.storeConfig, clock: () => Date.now() + offset };
  const store = await HybridSessionStore.connect(storeConfig);
  const app = buildService(store, {
    storeConfig,
    bodyLimitBytes: config.bodyLimitBytes,
    logLevel: config.logLevel,
    closeStoreOnClose: true,
  });
  let url: string;
  try {
    url = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop: () => {
      stopping ??= app.close();
      return stopping;
    },
  };
}
