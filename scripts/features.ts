/**
 * npm run features [-- cucumber args]: runs the scenarios against the local environment, attaching
 * to a running one (npm run env:up) or starting one and stopping it afterwards. Ends with the line
 * `features: N passed, N failed`, counted from cucumber's own message stream.
 */
import "./entry";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Environment } from "../support/env/Environment";
import {
  ensureLocalEnvironment,
  refreshed,
  stopLocalEnvironment,
} from "../support/env/localEnvFile";
import { countScenarios, summaryLine } from "../support/featureResults";

const root = resolve(__dirname, "..");
const messagesFile = join(root, "reports", "cucumber-messages.ndjson");
const log = (line: string) => console.log(`features: ${line}`);

async function main(): Promise<number> {
  let env: Environment | undefined;
  let started = false;
  const stop = async () => {
    if (env && started) await stopLocalEnvironment(root, env);
    env = undefined;
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void stop().finally(() => process.exit(130));
    });
  }
  try {
    const t0 = performance.now();
    ({ env, started } = await ensureLocalEnvironment(root, log, {
      toxiproxyUrl: process.env.TOXIPROXY_URL,
    }));
    log(
      started
        ? `started the local environment in ${((performance.now() - t0) / 1000).toFixed(1)} s`
        : "attached to the running local environment (npm run env:down stops it)",
    );
    rmSync(join(root, "allure-results"), { recursive: true, force: true });
    mkdirSync(join(root, "reports"), { recursive: true });
    const code = await runCucumber(process.argv.slice(2));
    let counts = { passed: 0, failed: 0, skipped: 0 };
    try {
      counts = countScenarios(readFileSync(messagesFile, "utf8"));
    } catch {
      log("cucumber wrote no results");
    }
    try {
      await refreshed(root, env).checkHealth();
    } catch (error) {
      log((error as Error).message);
    }
    await stop();
    if (code !== 0 && counts.failed === 0) counts.failed = 1;
    console.log(summaryLine(counts));
    return counts.failed > 0 ? 1 : code;
  } catch (error) {
    await stop();
    log(error instanceof Error ? error.message : String(error));
    console.log(summaryLine({ passed: 0, failed: 1, skipped: 0 }));
    return 1;
  }
}

function runCucumber(args: string[]): Promise<number> {
  const bin = join(root, "node_modules", ".bin", "cucumber-js");
  const child = spawn(bin, [...args, "--format", `message:${messagesFile}`], {
    cwd: root,
    stdio: "inherit",
  });
  return new Promise((done) => {
    child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

void main().then((code) => {
  process.exitCode = code;
});
