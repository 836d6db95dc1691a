import { seededRandom } from "../common/seededRandom";

export type PlannedKind = "create" | "read" | "update" | "touch" | "delete";

/** One client operation of a campaign, as planned before the run: pure data, from the seed. */
export interface PlannedOp {
  /** Milliseconds from the campaign's start before which the operation is not sent. */
  at: number;
  /** Index of the user who makes it (users work one operation at a time, as a browser does). */
  user: number;
  /** Index of the app server it is sent to: any server, never sticky. */
  server: number;
  kind: PlannedKind;
  /** For a create: a caller-chosen id from the shared pool, or none for a store-made id. */
  chosenId?: string;
  /** For a create or touch: the session's lifetime in seconds. */
  ttlSeconds?: number;
}

export interface GeneratorOptions {
  seed: number;
  /** Milliseconds over which operations are planned. */
  durationMs: number;
  servers: number;
  users: number;
  /** Operations per second that each user aims at. Default: 4. */
  opsPerUserPerSecond?: number;
  /** Caller-chosen ids shared by every user, so creates race and ids are re-created. Default: 8. */
  chosenIds?: number;
}

/** Shares of each kind once a user has a session; a user without one always creates. */
const MIX: readonly [PlannedKind, number][] = [
  ["read", 0.5],
  ["update", 0.2],
  ["touch", 0.1],
  ["delete", 0.08],
  ["create", 0.12],
];

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The shared pool of caller-chosen ids: valid session ids (24 base64url characters), by seed. */
export function chosenIdPool(seed: number, count: number): string[] {
  const random = seededRandom(seed ^ 0x5eed1d5);
  return Array.from(
    { length: count },
    (_, i) =>
      `c${String(i).padStart(2, "0")}${Array.from({ length: 21 }, () => random.pick([...ID_ALPHABET])).join("")}`,
  );
}

/**
 * The campaign's client operations: every user plans a stream of operations on "their current
 * session" at random intervals, each to a random server. The same options give the same plan;
 * what an operation does at run time (which id it names, whether it succeeds) follows from the
 * answers before it, which the plan does not know.
 */
export function generateOperations(options: GeneratorOptions): PlannedOp[] {
  const random = seededRandom(options.seed);
  const rate = options.opsPerUserPerSecond ?? 4;
  const pool = chosenIdPool(options.seed, options.chosenIds ?? 8);
  const ops: PlannedOp[] = [];
  for (let user = 0; user < options.users; user++) {
    let at = random.int(Math.ceil(1000 / rate));
    let hasSession = false;
    while (at < options.durationMs) {
      const kind: PlannedKind = hasSession ? weighted(random.next()) : "create";
      const op: PlannedOp = { at, user, server: random.int(options.servers), kind };
      if (kind === "create") {
        if (pool.length > 0 && random.chance(0.3)) op.chosenId = random.pick(pool);
        op.ttlSeconds = random.pick([600, 1800, 3600]);
      }
      if (kind === "touch") op.ttlSeconds = random.pick([900, 1800, 2700]);
      ops.push(op);
      hasSession = kind !== "delete";
      // Exponential gaps: bursts and lulls, as real traffic has.
      at += Math.max(1, Math.round((-Math.log(1 - random.next()) * 1000) / rate));
    }
  }
  return ops.sort((a, b) => a.at - b.at || a.user - b.user);
}

function weighted(r: number): PlannedKind {
  let edge = 0;
  for (const [kind, share] of MIX) {
    edge += share;
    if (r < edge) return kind;
  }
  return "read";
}
