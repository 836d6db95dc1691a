/**
 * npm run env:up | env:status | env:down — the local environment, kept running between runs.
 * `up` prints the environment as JSON and writes the same to .local-env.json; `down` stops exactly
 * the processes it started (by pid, checked against their command line) and removes its temp dir.
 */
import "./entry";
import { resolve } from "node:path";
import { runMain } from "../common/runMain";
import { ENV_FILE, readEnvFile } from "../lab/envFile";
import { LocalEnvironment } from "../lab/LocalEnvironment";
import { ensureLocalEnvironment, localPaths, stopLocalEnvironment } from "../lab/localEnvFile";

const root = resolve(__dirname, "..");
const { envFile } = localPaths(root);

async function up(): Promise<void> {
  const started = performance.now();
  const { env, started: fresh } = await ensureLocalEnvironment(
    root,
    (line) => console.error(`env: ${line}`),
    { toxiproxyUrl: process.env.TOXIPROXY_URL },
  );
  const took = ((performance.now() - started) / 1000).toFixed(1);
  console.error(
    fresh ? `env: up in ${took} s (${ENV_FILE})` : `env: already running (${ENV_FILE})`,
  );
  console.log(JSON.stringify(env.description, null, 2));
}

async function status(): Promise<void> {
  const description = readEnvFile(envFile);
  if (!description) {
    console.log("env: no local environment is running (npm run env:up starts one)");
    process.exitCode = 1;
    return;
  }
  const env = LocalEnvironment.attach(description);
  try {
    await env.checkHealth();
    const { valkey, dynamodb } = description;
    console.log(
      `env: running since ${description.startedAt}: Valkey ${valkey.version} on ${valkey.nodes
        .map((n) => `${n.port} (${n.role})`)
        .join(", ")}; DynamoDB Local ${dynamodb.version} at ${dynamodb.endpoint}`,
    );
  } catch (error) {
    console.log(`env: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

async function down(): Promise<void> {
  const description = readEnvFile(envFile);
  if (!description) {
    console.log("env: nothing to stop");
    return;
  }
  const env = LocalEnvironment.attach(description);
  const count = env.processes().length;
  await stopLocalEnvironment(root, env);
  console.log(`env: stopped ${count} processes and removed ${description.workDir}`);
}

const commands: Record<string, () => Promise<void>> = { up, status, down };
const command = commands[process.argv[2] ?? ""];
if (!command) {
  console.error("usage: env.ts up|status|down");
  process.exit(2);
}
runMain("env", command, { exitOnFailure: true });
