/**
 * Runs the embedded Toxiproxy-compatible server:
 *   node --require ts-node/register scripts/toxiproxy-server.ts [--host H] [--port P]
 * Prints one JSON line {"url", "pid"} once listening; SIGTERM or SIGINT shuts it down cleanly.
 */
import { parseArgs } from "node:util";
import { runMain } from "../common/runMain";
import { ToxiproxyServer } from "../toxiproxy/ToxiproxyServer";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { host: { type: "string" }, port: { type: "string" } },
    strict: true,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new Error(`--port must be an integer from 0 to 65535, not ${values.port}`);
  }
  const server = await ToxiproxyServer.start({ host: values.host, port });
  const shutDown = (): void => {
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", shutDown);
  process.once("SIGINT", shutDown);
  process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
}

runMain("toxiproxy-server", main, { exitOnFailure: true });
