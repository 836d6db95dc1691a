import type { HybridSessionStore, JsonValue, Session } from "../../store";

export type RequestKind = "read" | "touch" | "update";
export const REQUEST_KINDS: readonly RequestKind[] = ["read", "touch", "update"];

export interface MixedLoadOptions {
  /** Requests each user makes after the warm-up read. */
  requestsPerUser: number;
  /** Share of each kind of request, in percent; they must add up to 100. */
  mix: Record<RequestKind, number>;
  /** Lifetime in seconds a touch extends a session to. Default: 1800. */
  touchTtlSeconds?: number;
  /** Seed of the generator that picks each request's kind, so a run can be repeated. Default: 1. */
  seed?: number;
}

/** A request that failed, or a read that did not return the user's latest acknowledged version. */
export interface LoadError {
  user: string;
  kind: RequestKind;
  message: string;
}

export interface MixedLoadResult {
  users: number;
  /** Requests made after the warm-up (every kind). */
  requests: number;
  /** Milliseconds from the first to the last measured request. */
  elapsedMs: number;
  /** Requests per second over `elapsedMs`. */
  throughput: number;
  errors: LoadError[];
  /** Client-side latency of every measured request in milliseconds, by kind. */
  latencies: Record<RequestKind, number[]>;
  /** Each user's session as the store last acknowledged it. */
  sessions: Map<string, Session>;
}

/** A small deterministic generator (mulberry32): uniform in [0, 1). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickKind(mix: Record<RequestKind, number>, r: number): RequestKind {
  let edge = 0;
  for (const kind of REQUEST_KINDS) {
    edge += mix[kind] / 100;
    if (r < edge) return kind;
  }
  return "read";
}

/**
 * Every user works on their own session at the same time, one request after another, as a browser
 * does: first a warm-up read each (after which the store's statistics are reset, so they describe
 * the measured part only), then `requestsPerUser` requests in the given mix. Users run concurrently;
 * each user's requests are sequential, so every read must return that user's latest version.
 */
export async function runMixedLoad(
  store: HybridSessionStore,
  sessions: ReadonlyMap<string, Session>,
  options: MixedLoadOptions,
): Promise<MixedLoadResult> {
  const total = REQUEST_KINDS.reduce((sum, k) => sum + options.mix[k], 0);
  if (total !== 100) throw new Error(`the request mix adds up to ${total} %, not 100 %`);
  const random = generator(options.seed ?? 1);
  const plans = new Map(
    [...sessions.keys()].map((user) => [
      user,
      Array.from({ length: options.requestsPerUser }, () => pickKind(options.mix, random())),
    ]),
  );
  const latest = new Map(sessions);
  const errors: LoadError[] = [];
  const latencies: Record<RequestKind, number[]> = { read: [], touch: [], update: [] };

  await Promise.all([...latest.values()].map((s) => store.get(s.id)));
  store.resetStats();

  const runUser = async (user: string, plan: RequestKind[]): Promise<void> => {
    for (const [n, kind] of plan.entries()) {
      const current = latest.get(user) as Session;
      const started = performance.now();
      try {
        const outcome = await request(store, kind, current, { user, n }, options);
        latencies[kind].push(performance.now() - started);
        if (kind === "read") {
          if (outcome?.version !== current.version) {
            errors.push({
              user,
              kind,
              message: `read version ${outcome?.version ?? "none"}, expected ${current.version}`,
            });
          }
        } else if (outcome) {
          latest.set(user, outcome);
        } else {
          errors.push({ user, kind, message: "the session was not found" });
        }
      } catch (error) {
        errors.push({
          user,
          kind,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };

  const started = performance.now();
  await Promise.all([...plans].map(([user, plan]) => runUser(user, plan)));
  const elapsedMs = performance.now() - started;
  const requests = sessions.size * options.requestsPerUser;
  return {
    users: sessions.size,
    requests,
    elapsedMs,
    throughput: elapsedMs > 0 ? (requests * 1000) / elapsedMs : 0,
    errors,
    latencies,
    sessions: latest,
  };
}

function request(
  store: HybridSessionStore,
  kind: RequestKind,
  current: Session,
  step: { user: string; n: number },
  options: MixedLoadOptions,
): Promise<Session | null> {
  switch (kind) {
    case "read":
      return store.get(current.id);
    case "touch":
      return store.touch(current.id, options.touchTtlSeconds ?? 1800);
    case "update": {
      const data: JsonValue = { user: step.user, request: step.n, cart: [step.n % 7, step.n % 3] };
      return store.update(current.id, data);
    }
  }
}
