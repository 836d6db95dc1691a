/**
 * npm run serve [-- --port 8000 --host 127.0.0.1 ...]: the session service over HTTP. With no
 * configuration it attaches to the local environment (.local-env.json, see `npm run env:up`);
 * every variable and flag is described in service/config.ts. SIGTERM or SIGINT stops it
 * gracefully: in-flight requests finish, then the store closes.
 */
import "./entry";
import { messageOf } from "../common/messageOf";
import { runMain } from "../common/runMain";
import { ConfigError, loadServiceConfig, startService } from "../service";

async function main(): Promise<void> {
  const config = loadServiceConfig(process.env, process.argv.slice(2));
  const service = await startService(config);
  const log = service.app.log;
  log.info({ url: service.url, store: config.source }, "session service listening");
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info({ signal }, "shutting down: finishing in-flight requests");
      service.stop().then(
        () => {
          log.info("session service stopped; store closed");
          process.exitCode = 0;
        },
        (error: unknown) => {
          log.error({ err: error }, "shutdown failed");
          process.exitCode = 1;
        },
      );
    });
  }
}

runMain("serve", main, {
  explain: (error) => `${error instanceof ConfigError ? "configuration: " : ""}${messageOf(error)}`,
  exitOnFailure: true,
});
