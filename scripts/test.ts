/**
 * npm test (after setup and lint): the unit and integration tests with node's test runner, then the
 * scenario suite in-process and again through the HTTP service, all against one local environment
 * started here (or the one already running).
 * Prints node's test summary, then the features run, whose last line is `features: N passed, N failed`.
 */
import "./entry";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { runMain } from "../common/runMain";
import { localEnvironment, withEnvironment } from "../lab/withEnvironment";

const root = resolve(__dirname, "..");

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(path);
      return entry.name.endsWith(".test.ts") ? [relative(root, path)] : [];
    })
    .sort();
}

function run(command: string, args: string[]): Promise<number> {
  const child = spawn(command, args, { cwd: root, stdio: "inherit" });
  return new Promise((done) => child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0))));
}

async function main(): Promise<number> {
  const attach = localEnvironment(root, (line) => console.log(`test: ${line}`), {
    toxiproxyUrl: process.env.TOXIPROXY_URL,
  });
  return withEnvironment(attach, async () => {
    const unit = await run(process.execPath, [
      "-r",
      "ts-node/register",
      "--test",
      ...testFiles(join(root, "test")),
    ]);
    const features = await run(process.execPath, [
      "-r",
      "ts-node/register",
      join(root, "scripts", "features.ts"),
      "--every-driver",
    ]);
    return unit !== 0 ? unit : features;
  });
}

runMain("test", main);
