import { join } from "node:path";
import type { Environment } from "./Environment";
import { attachEnvironment, ENV_FILE, readEnvFile, removeEnvFile, writeEnvFile } from "./envFile";
import { LocalEnvironment } from "./LocalEnvironment";

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
  const existing = readEnvFile(envFile);
  if (existing) {
    const env = attachEnvironment(existing);
    try {
      await env.checkHealth();
      return { env, started: false };
    } catch (error) {
      log(`${(error as Error).message}; stopping what is left and starting anew`);
      await env.stop();
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
