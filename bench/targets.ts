import { median, type Sample } from "./measure";

/** The samples of one round, by cell (`"<id>@<concurrency>"`). */
export type Round = Map<string, Sample>;

export const cell = (id: string, concurrency: number): string => `${id}@${concurrency}`;

export interface Target {
  id: string;
  /** What is compared, in words. */
  what: string;
  /** The bound: `ratio <= limit` or `ratio >= limit`. */
  limit: number;
  direction: "<=" | ">=";
  /** Per-round ratio; undefined when a round lacks a cell. */
  ratio(round: Round): number | undefined;
}

export interface TargetResult {
  id: string;
  what: string;
  direction: "<=" | ">=";
  limit: number;
  /** Median of the per-round ratios (each round's cells were measured side by side). */
  ratio: number | undefined;
  pass: boolean | undefined;
}

type Field = "opsPerSec" | "p50" | "p99";

const get = (round: Round, id: string, c: number, field: Field): number | undefined =>
  round.get(cell(id, c))?.[field];

function ratioOf(
  numerator: (r: Round) => number | undefined,
  denominator: (r: Round) => number | undefined,
): (r: Round) => number | undefined {
  return (r) => {
    const n = numerator(r);
    const d = denominator(r);
    return n === undefined || d === undefined || d === 0 ? undefined : n / d;
  };
}

const one =
  (id: string, c: number, field: Field) =>
  (r: Round): number | undefined =>
    get(r, id, c, field);

function maxOf(...parts: ((r: Round) => number | undefined)[]): (r: Round) => number | undefined {
  return (r) => {
    const values = parts.map((p) => p(r));
    return values.some((v) => v === undefined) ? undefined : Math.max(...(values as number[]));
  };
}

function sumOf(...parts: ((r: Round) => number | undefined)[]): (r: Round) => number | undefined {
  return (r) => {
    const values = parts.map((p) => p(r));
    return values.some((v) => v === undefined)
      ? undefined
      : (values as number[]).reduce((a, b) => a + b, 0);
  };
}

/** The targets of the brief, each a ratio of cells measured in the same round. */
export function targets(): Target[] {
  const list: Target[] = [
    {
      id: "store-hit",
      what: "ops/s @50 vs glide-get",
      direction: ">=",
      limit: 0.8,
      ratio: ratioOf(one("store-hit", 50, "opsPerSec"), one("glide-get", 50, "opsPerSec")),
    },
    {
      id: "store-hit",
      what: "p99 @50 vs glide-get p99",
      direction: "<=",
      limit: 1.5,
      ratio: ratioOf(one("store-hit", 50, "p99"), one("glide-get", 50, "p99")),
    },
  ];
  for (const c of [1, 50]) {
    list.push(
      {
        id: "store-create",
        what: `p50 @${c} vs max(glide-set, ddb-put)`,
        direction: "<=",
        limit: 1.2,
        ratio: ratioOf(
          one("store-create", c, "p50"),
          maxOf(one("glide-set", c, "p50"), one("ddb-put", c, "p50")),
        ),
      },
      {
        id: "store-miss",
        what: `p50 @${c} vs ddb-get + glide-set`,
        direction: "<=",
        limit: 1.3,
        ratio: ratioOf(
          one("store-miss", c, "p50"),
          sumOf(one("ddb-get", c, "p50"), one("glide-set", c, "p50")),
        ),
      },
      {
        id: "store-cache-down",
        what: `p50 @${c} vs ddb-get`,
        direction: "<=",
        limit: 1.3,
        ratio: ratioOf(one("store-cache-down", c, "p50"), one("ddb-get", c, "p50")),
      },
    );
  }
  list.push(
    {
      id: "proxy-overhead",
      what: "ops/s @50 through proxies vs direct",
      direction: ">=",
      limit: 0.7,
      ratio: ratioOf(one("proxy-overhead", 50, "opsPerSec"), one("glide-get", 50, "opsPerSec")),
    },
    {
      id: "peer-hit",
      what: "store-hit ops/s @50 vs peer-hit",
      direction: ">=",
      limit: 10,
      ratio: ratioOf(one("store-hit", 50, "opsPerSec"), one("peer-hit", 50, "opsPerSec")),
    },
  );
  return list;
}

export function evaluate(target: Target, rounds: readonly Round[]): TargetResult {
  const ratios = rounds.map((r) => target.ratio(r)).filter((v): v is number => v !== undefined);
  const ratio = ratios.length > 0 ? median(ratios) : undefined;
  const pass =
    ratio === undefined
      ? undefined
      : target.direction === "<="
        ? ratio <= target.limit
        : ratio >= target.limit;
  const { id, what, direction, limit } = target;
  return { id, what, direction, limit, ratio, pass };
}
