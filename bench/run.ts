/**
 * npm run bench [-- --quick] [-- --only id,id]: the store against raw GLIDE, raw DynamoDB and a
 * layered-cache peer, measured side by side in alternating rounds on the local environment
 * (attached to, or started and stopped). Prints a table and writes bench/results/latest.json.
 * Ratios are the result; absolute figures are for this machine, this run.
 */
import "../scripts/entry";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { eventually } from "../common/eventually";
import { runMain } from "../common/runMain";
import { textTable } from "../common/textTable";
import type { EnvironmentDescription } from "../lab/Environment";
import { localEnvironment, withEnvironment } from "../lab/withEnvironment";
import { cacheKey, type HybridSessionStoreConfig } from "../store";
import { BENCH_PREFIX, buildContenders, type Contenders } from "./Contenders";
import { heapFlatness } from "./heap";
import { InProcessFaultProxy } from "./InProcessFaultProxy";
import { measure, medianSample, type Sample, warmUp } from "./measure";
import { benchSession } from "./payload";
import { ms, rate } from "./table";
import { cell, evaluate, type Round, type TargetResult, targets } from "./targets";
import { type Pools, seed, type WorkloadOptions, workloads } from "./workloads";

const root = resolve(__dirname, "..");
const log = (line: string) => console.error(`bench: ${line}`);

interface Settings {
  quick: boolean;
  rounds: number;
  /** Measurement window of one cell, in milliseconds. */
  windowMs: number;
  /** Operations run and discarded before each cell's measurement. */
  warmUpOps: number;
  /** Store reads of the heap-flatness row. */
  heapOps: number;
  only: string[] | undefined;
}

function settings(argv: string[]): Settings {
  const quick = argv.includes("--quick");
  const onlyAt = argv.indexOf("--only");
  const only = onlyAt >= 0 ? argv[onlyAt + 1]?.split(",") : undefined;
  return quick
    ? { quick, rounds: 5, windowMs: 500, warmUpOps: 100, heapOps: 100_000, only }
    : { quick, rounds: 5, windowMs: 2000, warmUpOps: 500, heapOps: 1_000_000, only };
}

/** The heap row needs `global.gc`: run again with --expose-gc when it is missing. */
function reexecWithGc(): number | undefined {
  if (typeof global.gc === "function") return undefined;
  const child = spawnSync(
    process.execPath,
    ["--expose-gc", ...process.execArgv, __filename, ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  return child.status ?? 1;
}

interface Stampede {
  /** DynamoDB reads counted by the store for each round's burst of 50 reads. */
  dynamoReads: number[];
  samples: Sample[];
}

async function stampedeRound(c: Contenders, options: WorkloadOptions): Promise<Sample> {
  const store = c.stampedeStore;
  const { id } = await store.create(options.session.data, { ttlSeconds: 900 });
  await c.glide.del([cacheKey(BENCH_PREFIX, id)]);
  store.resetStats();
  const sample = await measure(() => store.get(id), 50, {
    durationMs: 0,
    minOps: 50,
    maxOps: 50,
    hardLimitMs: 10_000,
  });
  return { ...sample, errors: sample.errors + (sample.ops === 50 ? 0 : 50 - sample.ops) };
}

async function runRounds(
  c: Contenders,
  pools: Pools,
  proxies: InProcessFaultProxy | undefined,
  s: Settings,
  options: WorkloadOptions,
): Promise<{ rounds: Round[]; stampede: Stampede }> {
  const all = workloads(c, pools, proxies, options).filter((w) => !s.only || s.only.includes(w.id));
  const rounds: Round[] = [];
  const stampede: Stampede = { dynamoReads: [], samples: [] };
  for (let r = 0; r < s.rounds; r++) {
    const round: Round = new Map();
    // Rotate the order each round so that drift and warm caches hit every workload alike.
    const order = all.map((_, i) => all[(i + r) % all.length]).filter((w) => w !== undefined);
    for (const w of order) {
      for (const concurrency of w.concurrencies) {
        const op = await w.prepare(concurrency);
        try {
          // After a fault row, clients reconnect: wait (with a deadline) until the op succeeds.
          await eventually(() => op(0), { timeoutMs: 10_000, what: `${w.id} to answer` });
          await warmUp(op, Math.min(concurrency, 50), s.warmUpOps);
          const sample = await measure(op, concurrency, {
            durationMs: s.windowMs,
            minOps: w.minOps,
            maxOps: w.maxOps === undefined ? undefined : w.maxOps - s.warmUpOps - 1,
          });
          round.set(cell(w.id, concurrency), sample);
          log(
            `round ${r + 1}/${s.rounds} ${w.id} @${concurrency}: ${rate(sample.opsPerSec)} ops/s, p50 ${ms(sample.p50)} ms, p99 ${ms(sample.p99)} ms${sample.errors ? `, ${sample.errors} errors` : ""}`,
          );
        } finally {
          await w.finish?.();
        }
      }
    }
    if (!s.only || s.only.includes("stampede")) {
      const sample = await stampedeRound(c, options);
      stampede.samples.push(sample);
      stampede.dynamoReads.push(c.stampedeStore.stats().dynamodb.reads);
      round.set(cell("stampede", 50), sample);
    }
    rounds.push(round);
  }
  return { rounds, stampede };
}

interface Row {
  id: string;
  concurrency: number;
  median: Sample;
  rounds: Sample[];
}

function rowsOf(rounds: Round[]): Row[] {
  const cells = new Map<string, { id: string; concurrency: number; samples: Sample[] }>();
  for (const round of rounds) {
    for (const [key, sample] of round) {
      const at = key.lastIndexOf("@");
      const entry = cells.get(key) ?? {
        id: key.slice(0, at),
        concurrency: Number(key.slice(at + 1)),
        samples: [],
      };
      entry.samples.push(sample);
      cells.set(key, entry);
    }
  }
  return [...cells.values()].map(({ id, concurrency, samples }) => ({
    id,
    concurrency,
    median: medianSample(samples),
    rounds: samples,
  }));
}

const ROW_ORDER = [
  "glide-get",
  "glide-set",
  "ddb-get",
  "ddb-put",
  "store-hit",
  "store-create",
  "store-miss",
  "store-cache-down",
  "proxy-overhead",
  "peer-hit",
  "peer-create",
  "stampede",
];

function printResults(
  rows: Row[],
  results: TargetResult[],
  extra: { stampede: Stampede; heap: HeapRow | undefined },
): void {
  rows.sort(
    (a, b) => ROW_ORDER.indexOf(a.id) - ROW_ORDER.indexOf(b.id) || a.concurrency - b.concurrency,
  );
  console.log(
    textTable(
      ["id", "conc", "ops/s", "p50 ms", "p99 ms", "errors"],
      rows.map((r) => [
        r.id,
        String(r.concurrency),
        rate(r.median.opsPerSec),
        ms(r.median.p50),
        ms(r.median.p99),
        String(Math.round(r.median.errors)),
      ]),
      ["left", "right", "right", "right", "right", "right"],
      { rule: true },
    ),
  );
  console.log("");
  const verdict = (pass: boolean | undefined) =>
    pass === undefined ? "n/a" : pass ? "pass" : "MISS";
  const targetRows = results.map((t) => [
    t.id,
    t.what,
    t.ratio === undefined ? "-" : t.ratio.toFixed(2),
    `${t.direction} ${t.limit}`,
    verdict(t.pass),
  ]);
  const { stampede, heap } = extra;
  const stampedeOk = stampede.dynamoReads.every((n) => n === 1);
  if (stampede.dynamoReads.length > 0) {
    targetRows.push([
      "stampede",
      "DynamoDB reads per 50 concurrent gets, each round",
      stampede.dynamoReads.join(" "),
      "= 1",
      verdict(stampedeOk),
    ]);
  }
  if (heap) {
    targetRows.push([
      "heap",
      `heapUsed growth over ${heap.ops.toLocaleString("en-US")} store-hit gets${heap.ops < 1_000_000 ? " (--quick: fewer than 1M)" : ""}`,
      `${heap.growthPercent >= 0 ? "+" : ""}${heap.growthPercent.toFixed(1)}%`,
      "<= 10%",
      verdict(Math.abs(heap.growthPercent) <= 10),
    ]);
  }
  console.log(
    textTable(
      ["target", "ratio of", "ratio", "limit", "result"],
      targetRows,
      ["left", "left", "right"],
      {
        rule: true,
      },
    ),
  );
}

interface HeapRow {
  ops: number;
  beforeBytes: number;
  afterBytes: number;
  growthPercent: number;
}

async function main(): Promise<number> {
  const reexec = reexecWithGc();
  if (reexec !== undefined) return reexec;
  const s = settings(process.argv.slice(2));
  const t0 = performance.now();
  let proxies: InProcessFaultProxy | undefined;
  let contenders: Contenders | undefined;
  const closeRows = async () => {
    await contenders?.close();
    contenders = undefined;
    await proxies?.close();
    proxies = undefined;
  };
  const attach = localEnvironment(root, log, { toxiproxyUrl: process.env.TOXIPROXY_URL });
  return withEnvironment(
    attach,
    async ({ env, started }) => {
      log(started ? "started the local environment" : "attached to the running local environment");
      const { valkey } = env.description;
      try {
        proxies = await InProcessFaultProxy.start(valkey.nodes, valkey.announcedHost);
      } catch (error) {
        log(`no fault proxies (${(error as Error).message}): proxy rows skipped`);
      }
      contenders = await buildContenders(directConfig(env.description), proxies);
      const options: WorkloadOptions = {
        session: benchSession(),
        poolSize: 1000,
        missPoolSize: s.quick ? 1500 : 4000,
      };
      log(`seeding ${options.poolSize} sessions per pool and ${options.missPoolSize} to evict`);
      const pools = await seed(contenders, options);
      const { rounds, stampede } = await runRounds(contenders, pools, proxies, s, options);
      let heap: HeapRow | undefined;
      if (!s.only || s.only.includes("heap")) {
        log(`heap: ${s.heapOps.toLocaleString("en-US")} store-hit gets at concurrency 50`);
        heap = {
          ops: s.heapOps,
          ...(await heapFlatness(contenders.store, pools.hitIds, s.heapOps)),
        };
      }
      const rows = rowsOf(rounds);
      const results = targets().map((t) => evaluate(t, rounds));
      printResults(rows, results, { stampede, heap });
      const wallSeconds = (performance.now() - t0) / 1000;
      const out = join(root, "bench", "results");
      mkdirSync(out, { recursive: true });
      writeFileSync(
        join(out, "latest.json"),
        `${JSON.stringify(
          {
            finishedAt: new Date().toISOString(),
            node: process.version,
            settings: s,
            payloadBytes: Buffer.byteLength(options.session.payload),
            wallSeconds,
            rows,
            targets: results,
            stampede,
            heap,
          },
          null,
          2,
        )}\n`,
      );
      console.log(
        `\nbench: ${s.rounds} rounds in ${wallSeconds.toFixed(0)} s; bench/results/latest.json`,
      );
      return 0;
    },
    closeRows,
  ).catch((error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return 1;
  });
}

runMain("bench", main);

/**
 * The store's configuration straight to the Valkey nodes, around the environment's fault proxies
 * (a lab cluster names its nodes by their proxies' host: each is mapped back to its node), so that
 * every contender measures the same path. DynamoDB stays as the environment gives it.
 */
function directConfig(description: EnvironmentDescription): HybridSessionStoreConfig {
  const { storeConfig, valkey } = description;
  const announced = valkey.announcedHost;
  return {
    ...storeConfig,
    valkey: {
      ...storeConfig.valkey,
      addresses: valkey.seeds,
      addressMap: Object.fromEntries(
        announced ? valkey.nodes.map((n) => [`${announced}:${n.port}`, `${n.host}:${n.port}`]) : [],
      ),
    },
  };
}
