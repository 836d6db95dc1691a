import { messageOf } from "../../common/messageOf";
import { seededRandom } from "../../common/seededRandom";
import type { HybridSessionStore, JsonValue, Session, SessionSource } from "../../store";
import { type LoadClient, storeClient } from "./LoadClient";

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
  /** How requests reach the store. Default: straight to `store`, unrecorded. */
  client?: LoadClient;
  /** A fault that starts and heals part-way through the run. Default: none. */
  fault?: LoadFault;
}

/**
 * A fault started and healed by the count of completed requests, never by a clock, so the run has
 * the same shape on a fast machine and a slow one.
 */
export interface LoadFault {
  /** What the report calls the fault, e.g. "the cache is unreachable". */
  name: string;
  /** The fault starts once this share (0..1) of all requests completed. */
  startAfter: number;
  /** The fault heals once this share (0..1) of all requests completed (and it started). */
  healAfter: number;
  start: () => Promise<void>;
  heal: () => Promise<void>;
}

/** When the fault was in effect, in milliseconds since the measured part began. */
export interface FaultWindow {
  name: string;
  /** The fault had been injected by then. */
  startedAt: number;
  /** The fault had been healed by then. */
  healedAt: number;
  /** Requests completed when the fault was started, and when its healing was started. */
  startedAfterRequests: number;
  healedAfterRequests: number;
}

/** One measured request as it completed. */
export interface Completion {
  /** Milliseconds since the measured part began. */
  at: number;
  kind: RequestKind;
  /** Where a successful request's answer came from. */
  source?: SessionSource;
  failed: boolean;
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
  /** Every measured request, in the order they completed. */
  completions: Completion[];
  /** When the fault, if the run had one, was in effect. */
  fault?: FaultWindow;
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
 * A fault, if given, starts and heals as the count of completed requests passes its shares.
 */
export async function runMixedLoad(
  store: HybridSessionStore,
  sessions: ReadonlyMap<string, Session>,
  options: MixedLoadOptions,
): Promise<MixedLoadResult> {
  const total = REQUEST_KINDS.reduce((sum, k) => sum + options.mix[k], 0);
  if (total !== 100) throw new Error(`the request mix adds up to ${total} %, not 100 %`);
  const random = seededRandom(options.seed ?? 1);
  const plans = new Map(
    [...sessions.keys()].map((user) => [
      user,
      Array.from({ length: options.requestsPerUser }, () => pickKind(options.mix, random.next())),
    ]),
  );
  const latest = new Map(sessions);
  const errors: LoadError[] = [];
  const latencies: Record<RequestKind, number[]> = { read: [], touch: [], update: [] };
  const completions: Completion[] = [];
  const client = options.client ?? storeClient(store);
  const requests = sessions.size * options.requestsPerUser;
  const trigger = faultTrigger(options.fault, requests);

  await Promise.all([...latest.values()].map((s) => store.get(s.id)));
  store.resetStats();
  const started = performance.now();
  const clock = () => performance.now() - started;

  const runUser = async (user: string, plan: RequestKind[]): Promise<void> => {
    for (const [n, kind] of plan.entries()) {
      const current = latest.get(user) as Session;
      const begun = performance.now();
      let outcome: Session | null = null;
      let problem: string | undefined;
      try {
        outcome = await request(client, kind, current, { user, n }, options);
        latencies[kind].push(performance.now() - begun);
        problem = problemWith(kind, outcome, current);
        if (outcome && !problem && kind !== "read") latest.set(user, outcome);
      } catch (error) {
        problem = messageOf(error);
      }
      if (problem) errors.push({ user, kind, message: problem });
      completions.push({
        at: clock(),
        kind,
        failed: problem !== undefined,
        ...(outcome && { source: outcome.source }),
      });
      trigger.completed(completions.length, clock);
    }
  };

  await Promise.all([...plans].map(([user, plan]) => runUser(user, plan)));
  const elapsedMs = clock();
  const fault = await trigger.done(clock);
  return {
    users: sessions.size,
    requests,
    elapsedMs,
    throughput: elapsedMs > 0 ? (requests * 1000) / elapsedMs : 0,
    errors,
    latencies,
    sessions: latest,
    completions,
    ...(fault && { fault }),
  };
}

/** Why an answer is wrong: a read of anything but the latest version, a change that found nothing. */
function problemWith(
  kind: RequestKind,
  outcome: Session | null,
  current: Session,
): string | undefined {
  if (kind !== "read") return outcome ? undefined : "the session was not found";
  if (outcome?.version === current.version) return undefined;
  return `read version ${outcome?.version ?? "none"}, expected ${current.version}`;
}

/**
 * Starts the fault, then its healing, as the count of completed requests passes their shares,
 * without making the request that crossed the line wait. `done` heals a fault the run never healed.
 */
function faultTrigger(fault: LoadFault | undefined, requests: number) {
  let startedAfterRequests = 0;
  let healedAfterRequests = 0;
  let startedAt = 0;
  let healedAt = 0;
  let starting: Promise<void> | undefined;
  let healing: Promise<void> | undefined;
  const heal = (count: number, now: () => number) => {
    if (!fault || !starting || healing) return;
    healedAfterRequests = count;
    healing = starting.then(fault.heal).then(() => {
      healedAt = now();
    });
    healing.catch(() => {});
  };
  return {
    completed(count: number, now: () => number): void {
      if (!fault) return;
      if (!starting && count >= requests * fault.startAfter) {
        startedAfterRequests = count;
        starting = fault.start().then(() => {
          startedAt = now();
        });
        // Awaited in `done`; marked handled so a failure waits there instead of crashing the run.
        starting.catch(() => {});
      }
      if (count >= requests * fault.healAfter) heal(count, now);
    },
    async done(now: () => number): Promise<FaultWindow | undefined> {
      if (!fault || !starting) return undefined;
      heal(requests, now);
      await healing;
      return {
        name: fault.name,
        startedAt,
        healedAt,
        startedAfterRequests,
        healedAfterRequests,
      };
    },
  };
}

function request(
  client: LoadClient,
  kind: RequestKind,
  current: Session,
  step: { user: string; n: number },
  options: MixedLoadOptions,
): Promise<Session | null> {
  switch (kind) {
    case "read":
      return client.read(step.user, current);
    case "touch":
      return client.touch(step.user, current, options.touchTtlSeconds ?? 1800);
    case "update": {
      const data: JsonValue = { user: step.user, request: step.n, cart: [step.n % 7, step.n % 3] };
      return client.update(step.user, current, data);
    }
  }
}
