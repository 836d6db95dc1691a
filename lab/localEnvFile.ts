import { join } from "node:path";
import { eventually } from "../common/eventually";
import { messageOf } from "../common/messageOf";
import type { Environment } from "./Environment";
import { attachEnvironment, ENV_FILE, readEnvFile, removeEnvFile, writeEnvFile } from "./envFile";
import { LocalEnvironment } from "./LocalEnvironment";

/** Milliseconds an unhealthy environment gets to recover (a scenario restarting a node) before it is replaced. */
const ATTACH_PATIENCE_MS = 45_000;

/** Paths of the local environment, relative to the repository root. */
export function localPaths(root: string): { envFile: string; jarDir: string } {
  return { envFile: join(root, ENV_FILE), jarDir: join(root, ".cache", "dynamodb-local") };
}

/**
 * Attaches to the environment .local-env.json describes if it is healthy; otherwise stops what is
 * left of it and starts a new one, described in the same file. `started` tells which happened.
 */
export async function ensureLocalEnvironment(
  root: string,
  log: (line: string) => void,
  options: { toxiproxyUrl?: string } = {},
): Promise<{ env: Environment; started: boolean }> {
  const { envFile, jarDir } = localPaths(root);
  if (readEnvFile(envFile)) {
    try {
      // A scenario elsewhere may have killed a node on purpose: give it time to bring it back
      // (re-reading the file, which names the node's new pid) before calling the environment dead.
      const env = await eventually(
        async () => {
          const current = readEnvFile(envFile);
          if (!current) throw new Error(`${envFile} was removed`);
          const attached = attachEnvironment(current);
          await attached.checkHealth();
          return attached;
        },
        {
          timeoutMs: ATTACH_PATIENCE_MS,
          intervalMs: 250,
          what: "the running environment to be healthy",
        },
      );
      return { env, started: false };
    } catch (error) {
      const left = readEnvFile(envFile);
      log(`${messageOf(error)}; stopping what is left and starting anew`);
      if (left) await attachEnvironment(left).stop();
      removeEnvFile(envFile);
    }
  }
  const env = await LocalEnvironment.start({
    dynamoDbJarDir: jarDir,
    embeddedToxiproxyScript: join(root, "scripts", "toxiproxy-server.ts"),
    toxiproxyUrl: options.toxiproxyUrl,
  });
  writeEnvFile(envFile, env.description);
  return { env, started: true };
}

/**
 * Stops an environment and forgets its description. The file's description wins over the one in
 * memory: a scenario that restarted a node wrote the node's new pid there.
 */
export async function stopLocalEnvironment(root: string, env: Environment): Promise<void> {
  const { envFile } = localPaths(root);
  await refreshed(root, env).stop();
  removeEnvFile(envFile);
}

/** The environment as its file describes it now, when it is the same one as `env`. */
export function refreshed(root: string, env: Environment): Environment {
  const current = readEnvFile(localPaths(root).envFile);
  return current && current.workDir === env.description.workDir ? attachEnvironment(current) : env;
}
