/**
 * node -r ts-node/register bench/profile.ts <workload> [seconds] [concurrency]: CPU-profiles one bench workload
 * (default: concurrency 50) on the running local environment (npm run env:up), the measurement only (no
 * seeding, no warm-up), and writes bench/results/<workload>.cpuprofile (open it in Chrome DevTools)
 * plus the main thread's busiest functions and the CPU time per operation.
 */
import "../scripts/entry";
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join, resolve } from "node:path";
import { runMain } from "../common/runMain";
import { readEnvFile } from "../lab/envFile";
import { localPaths } from "../lab/localEnvFile";
import { buildContenders } from "./Contenders";
import { measure, warmUp } from "./measure";
import { benchSession } from "./payload";
import { seed, workloads } from "./workloads";

const root = resolve(__dirname, "..");

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function, in percent of the profile, busiest first. */
function selfTimes(profile: Profile, top: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const where = (frame?.url ?? "").replace(/.*node_modules\//, "").replace(`${root}/`, "");
    const key = `${frame?.functionName || "(anonymous)"} ${where}:${frame?.lineNumber ?? -1}`;
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}

async function main(): Promise<void> {
  const [id = "store-hit", seconds = "5", conc = "50"] = process.argv.slice(2);
  const concurrency = Number(conc);
  const description = readEnvFile(localPaths(root).envFile);
  if (!description) throw new Error("no local environment: start one with npm run env:up");
  const contenders = await buildContenders(description.storeConfig, undefined);
  try {
    const options = { session: benchSession(), poolSize: 1000, missPoolSize: 200 };
    const pools = await seed(contenders, options);
    const workload = workloads(contenders, pools, undefined, options).find((w) => w.id === id);
    if (!workload) throw new Error(`no workload ${id}`);
    const op = await workload.prepare(concurrency);
    await warmUp(op, concurrency, 1000);
    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    const cpu0 = process.cpuUsage();
    await session.post("Profiler.start");
    const sample = await measure(op, concurrency, { durationMs: Number(seconds) * 1000 });
    const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: Profile };
    const cpu = process.cpuUsage(cpu0);
    session.disconnect();
    const out = join(root, "bench", "results");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `${id}.cpuprofile`), JSON.stringify(profile));
    const perOpUs = (cpu.user + cpu.system) / sample.ops;
    console.log(
      `${id} @${concurrency}: ${Math.round(sample.opsPerSec)} ops/s, p50 ${sample.p50.toFixed(3)} ms, p99 ${sample.p99.toFixed(3)} ms; process CPU ${perOpUs.toFixed(1)} µs/op`,
    );
    for (const line of selfTimes(profile, 25)) console.log(line);
  } finally {
    await contenders.close();
  }
}

runMain("bench profile", main);
