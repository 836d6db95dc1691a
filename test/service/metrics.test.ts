import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { expect } from "chai";
import { METRICS_CONTENT_TYPE, prometheusText } from "../../service";
import type { LatencySummary, StatsSnapshot } from "../../store";
import { type ServiceUnderTest, serviceOver } from "./fixture";
import { type LocalEnv, localEnv } from "./localEnv";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+)$/;

/**
 * Parses Prometheus' text exposition format strictly: HELP then TYPE before a family's samples, no
 * family split in two, every sample belonging to a declared family, values that parse, a final newline.
 */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  expect(text.endsWith("\n"), "ends with a newline").to.equal(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const closed = new Set<string>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    const help = /^# HELP (\S+) (.+)$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge|summary|histogram|untyped)$/.exec(line);
    if (help) {
      expect(help[1]).to.match(NAME);
      expect(closed.has(help[1] as string), `${help[1]} declared twice`).to.equal(false);
      if (current) closed.add(current);
      current = help[1];
      continue;
    }
    if (type) {
      expect(type[1], "TYPE follows its HELP").to.equal(current);
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    const match = SAMPLE.exec(line);
    expect(match, `a sample line: ${line}`).to.not.equal(null);
    const [, name = "", labelText = "", value = ""] = match as RegExpExecArray;
    const family = types.get(name) ? name : name.replace(/_(sum|count)$/, "");
    expect(family, `${name} belongs to the family being written`).to.equal(current);
    expect(types.has(family), `${name} has a TYPE`).to.equal(true);
    const labels = Object.fromEntries(
      [...labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    const parsed = Number(value.replace(/^\+Inf$/, "Infinity").replace(/^-Inf$/, "-Infinity"));
    expect(Number.isNaN(parsed) && value !== "NaN", `value of ${line}`).to.equal(false);
    samples.push({ name, labels, value: parsed });
  }
  return { types, samples };
}

const summary = (ms: number, count: number): LatencySummary => ({
  count,
  mean: ms,
  p50: ms,
  p90: ms * 2,
  p99: ms * 3,
  max: ms * 4,
});

describe("metrics in Prometheus text format", () => {
  it("has a counter per store counter, labelled by store, and summaries with quantiles", () => {
    const zero = { hits: 0, misses: 0, reads: 0, writes: 0, restores: 0, errors: 0, fallbacks: 0 };
    const stats: StatsSnapshot = {
      cache: { ...zero, hits: 7, reads: 9, misses: 2 },
      dynamodb: { ...zero, reads: 2, hits: 1, writes: 3 },
      operations: {
        create: summary(2, 3),
        get: summary(0.5, 9),
        update: summary(0, 0),
        touch: summary(0, 0),
        delete: summary(0, 0),
      },
      commands: {
        cache: { get: summary(0.25, 9), write: summary(0.5, 3), delete: summary(0, 0) },
        dynamodb: { get: summary(3, 2), write: summary(4, 3), delete: summary(0, 0) },
      },
      journal: { appended: 4, replayed: 3, conflicts: 0, pending: true },
      repairs: { pending: 2, repaired: 5, overflow: false },
      cacheBreaker: "open",
    };
    const { types, samples } = parseExposition(prometheusText(stats));
    const value = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))
        ?.value;

    for (const counter of ["hits", "misses", "reads", "writes", "restores", "errors", "fallbacks"])
      expect(types.get(`session_store_${counter}_total`), counter).to.equal("counter");
    expect(value("session_store_hits_total", { store: "cache" })).to.equal(7);
    expect(value("session_store_writes_total", { store: "dynamodb" })).to.equal(3);

    expect(types.get("session_store_operation_duration_seconds")).to.equal("summary");
    const op = "session_store_operation_duration_seconds";
    expect(value(op, { operation: "create", quantile: "0.5" })).to.equal(0.002);
    expect(value(op, { operation: "create", quantile: "0.99" })).to.equal(0.006);
    expect(value(`${op}_count`, { operation: "create" })).to.equal(3);
    expect(value(`${op}_sum`, { operation: "create" })).to.equal(0.006);
    const cmd = "session_store_command_duration_seconds";
    expect(types.get(cmd)).to.equal("summary");
    expect(value(cmd, { store: "dynamodb", command: "write", quantile: "0.9" })).to.equal(0.008);
    expect(value("session_store_journal_total", { stage: "replayed" })).to.equal(3);
    expect(value("session_store_journal_pending", {})).to.equal(1);
    expect(value("session_store_cache_repairs_pending", {})).to.equal(2);
    expect(value("session_store_cache_breaker_open", {})).to.equal(1);
    for (const s of samples.filter((x) => x.labels.quantile !== undefined))
      expect(Number(s.labels.quantile)).to.be.within(0, 1);
  });
});

describe("GET /stats and GET /metrics against the local environment", () => {
  let env: LocalEnv;
  let svc: ServiceUnderTest;
  before(async () => {
    env = await localEnv();
  });
  after(async () => {
    await env?.release();
  });
  beforeEach(async () => {
    svc = await serviceOver(env.description.storeConfig);
  });
  afterEach(async () => {
    await svc?.close();
  });

  it("/stats is store.stats() as JSON after real operations", async () => {
    const created = await svc.app.inject({
      method: "POST",
      url: "/sessions",
      payload: { data: 1 },
    });
    const { id } = created.json() as { id: string };
    await svc.app.inject({ method: "GET", url: `/sessions/${id}` });
    await svc.app.inject({ method: "GET", url: `/sessions/${id}` });
    const res = await svc.app.inject({ method: "GET", url: "/stats" });
    expect(res.statusCode).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^application\/json/);
    const stats = res.json() as StatsSnapshot;
    expect(stats).to.deep.equal(JSON.parse(JSON.stringify(svc.store.stats())));
    expect(stats.cache).to.include({ hits: 2, reads: 2, writes: 1 });
    expect(stats.dynamodb).to.include({ writes: 1, reads: 0 });
    expect([stats.operations.create.count, stats.operations.get.count]).to.deep.equal([1, 2]);
  });

  it("/metrics is the same numbers in the exposition format", async () => {
    await svc.app.inject({ method: "POST", url: "/sessions", payload: { data: 1 } });
    await svc.app.inject({ method: "GET", url: "/sessions/AAAAAAAAAAAAAAAAAAAAAAAA" });
    const res = await svc.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).to.equal(200);
    expect(res.headers["content-type"]).to.equal(METRICS_CONTENT_TYPE);
    const { samples } = parseExposition(res.body);
    const stats = svc.store.stats();
    const find = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels));
    expect(find("session_store_writes_total", { store: "cache" })?.value).to.equal(1);
    expect(find("session_store_misses_total", { store: "dynamodb" })?.value).to.equal(
      stats.dynamodb.misses,
    );
    expect(
      find("session_store_operation_duration_seconds_count", { operation: "get" })?.value,
    ).to.equal(1);
    const p50 = find("session_store_operation_duration_seconds", {
      operation: "create",
      quantile: "0.5",
    });
    expect(p50?.value).to.be.greaterThan(0);
  });
});
