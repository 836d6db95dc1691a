import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { isCacheSideFault } from "../../campaign/nemesis";
import { runCampaign } from "../../campaign/runCampaign";
import type { Environment } from "../../lab/Environment";
import { attachEnvironment, writeEnvFile } from "../../lab/envFile";
import { FAULT_CLASS_INFO, FAULT_CLASSES, type FaultClass } from "../../lab/faultClasses";
import { localPaths } from "../../lab/localEnvFile";
import { type LocalEnv, localEnv, ROOT } from "../service/localEnv";

/**
 * Short campaigns over fixed seeds, on two app servers: every fault class drawn at least once over
 * the seeds, and the checker finds nothing. `npm run campaign -- --seed S --minutes 2 --servers 3`
 * is the long one (see the README).
 */
const SEEDS = [11, 2027, 90210];
const SECONDS = 25;
/**
 * Each seed draws from one part of the classes, so that every class runs in a short campaign: the
 * DynamoDB side (and clock skew), the cache's links (and its data), its nodes (and app servers).
 * The nemesis keeps the two store sides apart anyway (see campaign/nemesis.ts).
 */
const PARTS: readonly (readonly FaultClass[])[] = [
  FAULT_CLASSES.filter((c) => !isCacheSideFault({ class: c })),
  FAULT_CLASSES.filter((c) => FAULT_CLASS_INFO[c].store === "valkey" || c === "cache-data-lost"),
  FAULT_CLASSES.filter((c) => FAULT_CLASS_INFO[c].scope === "node" || c === "app-server-killed"),
];
const classesOf = (i: number) => [...(PARTS[i] ?? [])];

describe("campaigns", { timeout: 300_000 }, () => {
  let local: LocalEnv;
  let env: Environment;
  const classes = new Set<string>();

  before(async () => {
    local = await localEnv();
    env = attachEnvironment(local.description);
  });
  after(async () => {
    await local.release();
  });

  for (const [i, seed] of SEEDS.entries()) {
    it(`seed ${seed}: ${SECONDS} s on two app servers, no anomaly`, async () => {
      const run = await runCampaign(env, {
        seed,
        classes: classesOf(i),
        durationMs: SECONDS * 1000,
        servers: 2,
        users: 12,
        log: () => undefined,
        // A node the nemesis restarted runs under a new pid: every later attach must know it.
        onNodeRestarted: () => writeEnvFile(localPaths(ROOT).envFile, env.description),
      });
      for (const fault of run.schedule) classes.add(fault.class);
      expect(run.line).to.match(
        new RegExp(
          `^campaign: seed ${seed}, 2 servers, \\d+ operations, \\d+ faults \\(\\d+ classes\\), 0 anomalies$`,
        ),
      );
      expect(run.verdict.violations.map((v) => `${v.kind}: ${v.message}`)).to.deep.equal([]);
      expect(run.verdict.summary.operations).to.be.greaterThan(200);
    });
  }

  it("drew every fault class over the seeds", () => {
    expect([...FAULT_CLASSES].filter((c) => !classes.has(c))).to.deep.equal([]);
  });
});
