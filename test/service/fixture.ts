import type { FastifyInstance } from "fastify";
import { buildService, type ServiceOptions } from "../../service";
import { HybridSessionStore, type HybridSessionStoreConfig } from "../../store";
import { testPrefix } from "./localEnv";

export interface ServiceUnderTest {
  app: FastifyInstance;
  store: HybridSessionStore;
  close(): Promise<void>;
}

/** A store of its own (own key prefix) and the service over it, not listening: use `inject()`. */
export async function serviceOver(
  storeConfig: HybridSessionStoreConfig,
  options: Partial<ServiceOptions> = {},
): Promise<ServiceUnderTest> {
  const config = { ...storeConfig, keyPrefix: testPrefix() };
  const store = await HybridSessionStore.connect(config);
  const app = buildService(store, { storeConfig: config, ...options });
  return {
    app,
    store,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** Asserts the shape every error response has, and returns its code. */
export function errorCode(body: string): string {
  const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
  const keys = Object.keys(parsed).join(",");
  if (keys !== "error") throw new Error(`error body has keys ${keys}: ${body}`);
  const { code, message } = parsed.error ?? {};
  if (typeof code !== "string" || !/^[A-Z][A-Z_]+$/.test(code))
    throw new Error(`error code ${String(code)} is not a stable code`);
  if (typeof message !== "string" || message.length === 0)
    throw new Error(`error message missing in ${body}`);
  if (/\n\s+at |node_modules|\.ts:\d+/.test(body)) throw new Error(`stack trace leaked: ${body}`);
  return code;
}
