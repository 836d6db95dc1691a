import { resolve } from "node:path";
import { After, AfterAll, Before, BeforeAll, Status, setDefaultTimeout } from "@cucumber/cucumber";
import { withDeadline } from "../common/withDeadline";
import { attachEnvironment, readEnvFile } from "../lab/envFile";
import { FaultProxy } from "../lab/FaultProxy";
import { CacheObserver } from "../lab/observe/CacheObserver";
import { DurableObserver } from "../lab/observe/DurableObserver";
import { observerDynamoClient } from "../lab/observe/observerDynamoClient";
import { statsTable } from "./report";
import type { SessionWorld, SessionWorldParameters, SharedResources } from "./world";

/** Every step must end within this; `eventually` deadlines stay below it. */
export const STEP_TIMEOUT_MS = 15_000;
setDefaultTimeout(STEP_TIMEOUT_MS);

let shared: SharedResources | undefined;

BeforeAll(async function () {
  const parameters = this.parameters as unknown as SessionWorldParameters;
  const description = readEnvFile(resolve(parameters.envFile));
  if (!description) {
    throw new Error(
      `no environment at ${parameters.envFile}: run the suite with \`npm run features\`, or start one with \`npm run env:up\``,
    );
  }
  const env = attachEnvironment(description);
  await env.checkHealth();
  // Observers go straight to the servers, never through the fault proxy.
  const cache = await withDeadline(
    CacheObserver.connect(description.valkey),
    10_000,
    "connecting the cache observer",
  );
  const durable = new DurableObserver(
    observerDynamoClient(description),
    description.dynamodb.table,
  );
  const faults = description.toxiproxy ? new FaultProxy(description.toxiproxy) : undefined;
  await faults?.healAll();
  shared = { env, cache, durable, faults };
});

Before(
  { name: "connect a session store for this scenario" },
  async function (this: SessionWorld, { pickle }) {
    if (!shared) throw new Error("the environment was not attached (see the first failure)");
    await shared.env.checkHealth();
    this.namespace = `scenario:${pickle.id.slice(0, 8)}:`;
    this.useShared(shared);
    // Registered first, so it runs last: whatever the scenario broke is mended for the next one.
    this.onStop(() => withDeadline(this.healAll(), 40_000, "healing the scenario's faults"));
    // Last registered, first run: the service stops before the store behind it closes.
    this.onStop(() => withDeadline(this.closeStore(), 5000, "closing the session store"));
    this.onStop(() => withDeadline(this.closeService(), 5000, "stopping the session service"));
    await withDeadline(this.connect(), 10_000, "connecting the session store");
  },
);

After(
  // Healing may restart a node the scenario killed: allow for it.
  { name: "attach the store statistics, close the store", timeout: 60_000 },
  async function (this: SessionWorld, { result }) {
    // The store's own counters (those GET /stats serves): attached even when the service broke.
    if (this.connected) {
      const stats = this.libraryStats();
      this.attach(statsTable(stats), {
        mediaType: "text/csv",
        fileName: "store statistics.csv",
      });
      this.attach(JSON.stringify(stats, null, 2), {
        mediaType: "application/json",
        fileName: "store statistics.json",
      });
    }
    await this.runStops();
    // After a failure, say so if the cause is a server of the environment that stopped running.
    if (result?.status === Status.FAILED && shared) await shared.env.checkHealth();
  },
);

AfterAll(async () => {
  shared?.cache.close();
  shared?.durable.close();
  shared = undefined;
});
