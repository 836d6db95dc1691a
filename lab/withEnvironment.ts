import type { Environment } from "./Environment";
import { ensureLocalEnvironment, refreshed, stopLocalEnvironment } from "./localEnvFile";

/** An environment a command works against, with what ends its use (stop, or only detach). */
export interface Attached<E> {
  env: E;
  /** True when this command started the environment (and so stops it). */
  started: boolean;
  stop(): Promise<void>;
}

/**
 * Runs `use` against what `attach` gives, and calls its `stop` when `use` ends, throws, or the
 * process is interrupted (SIGINT/SIGTERM: then it exits 130). `cleanUp` runs first, each time.
 */
export async function withEnvironment<E, T>(
  attach: () => Promise<Attached<E>>,
  use: (attached: Attached<E>) => Promise<T>,
  cleanUp: () => Promise<void> = async () => undefined,
): Promise<T> {
  let attached: Attached<E> | undefined;
  const stop = async (): Promise<void> => {
    const current = attached;
    attached = undefined;
    try {
      await cleanUp();
    } finally {
      await current?.stop();
    }
  };
  const interrupted = (): void => {
    void stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    attached = await attach();
    return await use(attached);
  } finally {
    await stop();
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  }
}

/** The local environment: the running one (left running), or one started here (stopped after). */
export function localEnvironment(
  root: string,
  log: (line: string) => void,
  options: { toxiproxyUrl?: string } = {},
): () => Promise<Attached<Environment>> {
  return async () => {
    const { env, started } = await ensureLocalEnvironment(root, log, options);
    return {
      env,
      started,
      stop: async () => {
        if (started) await stopLocalEnvironment(root, refreshed(root, env));
      },
    };
  };
}
