/**
 * The real local environment for the service and doctor tests: attached through .local-env.json,
 * or started (and stopped again by `release`) when no environment is running.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { resolve } from "node:path";
import type { EnvironmentDescription } from "../../lab/Environment";
import { ensureLocalEnvironment, stopLocalEnvironment } from "../../lab/localEnvFile";
import type { HybridSessionStoreConfig } from "../../store";

export const ROOT = resolve(__dirname, "..", "..");

export interface LocalEnv {
  description: EnvironmentDescription;
  /** Stops the environment if this test file started it. */
  release(): Promise<void>;
}

export async function localEnv(): Promise<LocalEnv> {
  const { env, started } = await ensureLocalEnvironment(ROOT, (line) =>
    console.error(`test env: ${line}`),
  );
  return {
    description: env.description,
    release: async () => {
      if (started) await stopLocalEnvironment(ROOT, env);
    },
  };
}

/** A key prefix of its own for one test, so tests never see each other's sessions. */
export const testPrefix = (): string => `test:${randomBytes(6).toString("hex")}:`;

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** A loopback server that accepts connections and never answers: a store that hangs. */
export async function hangingServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

/** The store configuration with the cache, DynamoDB, or both moved to other loopback ports. */
export function withPorts(
  config: HybridSessionStoreConfig,
  ports: { valkey?: number; dynamodb?: number },
): HybridSessionStoreConfig {
  return {
    ...config,
    valkey:
      ports.valkey === undefined
        ? config.valkey
        : { addresses: [{ host: "127.0.0.1", port: ports.valkey }] },
    dynamodb:
      ports.dynamodb === undefined
        ? config.dynamodb
        : { ...config.dynamodb, endpoint: `http://127.0.0.1:${ports.dynamodb}` },
  };
}
