/**
 * npm run features [-- cucumber args]: runs the scenarios against the local environment, attaching
 * to a running one (npm run env:up) or starting one and stopping it afterwards. Ends with the line
 * `features: N passed, N failed`, counted from cucumber's own message stream.
 */
import "./entry";
import { resolve } from "node:path";
import { runSuite } from "../lab/cucumberRun";
import { refreshed } from "../lab/localEnvFile";
import { localEnvironment } from "../lab/withEnvironment";

const root = resolve(__dirname, "..");
const log = (line: string) => console.log(`features: ${line}`);

// `--every-driver` (used by npm test) runs the scenarios in-process, then through the HTTP service.
const args = process.argv.slice(2).filter((arg) => arg !== "--every-driver");
const runs = process.argv.includes("--every-driver")
  ? [args, [...args, "--profile", "local-http"]]
  : [args];

const attachLocal = localEnvironment(root, log, { toxiproxyUrl: process.env.TOXIPROXY_URL });

void runSuite(root, runs, log, async () => {
  const t0 = performance.now();
  const attached = await attachLocal();
  log(
    attached.started
      ? `started the local environment in ${((performance.now() - t0) / 1000).toFixed(1)} s`
      : "attached to the running local environment (npm run env:down stops it)",
  );
  return {
    ...attached,
    env: { checkHealth: () => refreshed(root, attached.env).checkHealth() },
  };
}).then((code) => {
  process.exitCode = code;
});
