import type { FinalObservation } from "../../checker/checkHistory";
import { History, type OpHandle, type OpKind } from "../../checker/History";
import { seededRandom } from "../../common/seededRandom";
import type { JsonValue, Session } from "../../store";
import { SessionExistsError, SessionNotFoundError } from "../../store/errors";
import { healthy, T0, TimedOut } from "./fixtures";

/** Options of simulatedCampaign. */
export interface CampaignOptions {
  seed: number;
  /** Operations invoked in all. */
  operations: number;
  sessions: number;
  servers: number;
  /** Operations in flight at once, at most. */
  concurrency: number;
}

interface Stored {
  id: string;
  data: JsonValue;
  version: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

interface InFlight {
  handle: OpHandle;
  op: OpKind;
  id: string;
  data: JsonValue;
  ttlSeconds: number;
}

const TTL_SECONDS = 3_600;
const FAULT_CLASSES = [
  "cut-off-cache",
  "black-hole-dynamodb",
  "lost-answer-cache",
  "primary-killed",
];

/**
 * A history such as a campaign records against a correct store: many users on K app servers, each
 * operation taking effect at one moment between its invoke and its completion, some completions
 * lost (info) or never recorded (pending), faults coming and going. Seeded: the same options give
 * the same history. The final state is what a correct store holds at the end.
 */
export function simulatedCampaign(options: CampaignOptions): {
  history: History;
  final: Map<string, FinalObservation>;
} {
  const seeded = seededRandom(options.seed);
  const random = () => seeded.next();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let now = T0;
  const history = new History(() => {
    now += 1;
    return now;
  });
  const ids = Array.from({ length: options.sessions }, (_, i) => `s${i}`.padEnd(24, "x"));
  const servers = Array.from({ length: options.servers }, (_, i) => `app server ${i + 1}`);
  const store = new Map<string, Stored>();
  const inFlight: InFlight[] = [];
  const open: { name: string; class: string; target: string }[] = [];
  let invoked = 0;
  let serial = 0;

  const sessionOf = (s: Stored): Session => ({
    ...s,
    source: random() < 0.7 ? "cache" : "dynamodb",
  });
  /** Applies an operation to the store at this moment; returns what the store answers. */
  const apply = (f: InFlight): { result: Session | null | boolean } | { error: Error } => {
    const current = store.get(f.id);
    switch (f.op) {
      case "create": {
        if (current) return { error: new SessionExistsError(f.id) };
        const created = {
          id: f.id,
          data: f.data,
          version: 1,
          createdAt: now,
          updatedAt: now,
          expiresAt: Math.ceil(now / 1000) + f.ttlSeconds,
        };
        store.set(f.id, created);
        return { result: sessionOf(created) };
      }
      case "read":
        return { result: current ? sessionOf(current) : null };
      case "update": {
        if (!current) return { error: new SessionNotFoundError(f.id) };
        const updated = { ...current, data: f.data, version: current.version + 1, updatedAt: now };
        store.set(f.id, updated);
        return { result: sessionOf(updated) };
      }
      case "touch": {
        if (!current) return { result: null };
        const expiresAt = Math.ceil(now / 1000) + f.ttlSeconds;
        const touched = { ...current, version: current.version + 1, expiresAt };
        store.set(f.id, touched);
        return { result: sessionOf(touched) };
      }
      case "delete":
        store.delete(f.id);
        return { result: current !== undefined };
    }
  };
  const complete = (f: InFlight) => {
    const lost = random() < 0.02;
    // An operation whose answer is lost may or may not have taken effect.
    if (lost && random() < 0.5) return f.handle.info(new TimedOut());
    const outcome = apply(f);
    if (lost) f.handle.info(new TimedOut());
    else if ("error" in outcome) f.handle.fail(outcome.error);
    else f.handle.ok(outcome.result);
  };

  while (invoked < options.operations || inFlight.length > 0) {
    if (random() < 0.001) {
      if (open.length > 0 && random() < 0.6) {
        const fault = open.splice(Math.floor(random() * open.length), 1)[0];
        if (fault) history.fault(fault.name, "heal", fault);
      } else {
        const cls = pick(FAULT_CLASSES);
        const fault = { name: `${cls} ${serial++}`, class: cls, target: pick([...servers, "all"]) };
        open.push(fault);
        history.fault(fault.name, "start", fault);
      }
    }
    const invokeNext =
      invoked < options.operations &&
      (inFlight.length === 0 || (inFlight.length < options.concurrency && random() < 0.5));
    if (!invokeNext) {
      const f = inFlight.splice(Math.floor(random() * inFlight.length), 1)[0];
      if (f) complete(f);
      continue;
    }
    invoked++;
    const id = pick(ids);
    const roll = random();
    const op: OpKind =
      roll < 0.5
        ? "read"
        : roll < 0.78
          ? "update"
          : roll < 0.86
            ? "touch"
            : roll < 0.93
              ? "delete"
              : "create";
    const data = op === "create" || op === "update" ? { n: serial++, by: id.slice(0, 4) } : null;
    const ttlSeconds = TTL_SECONDS + Math.floor(random() * 60);
    const handle = history.invoke(`user ${Math.floor(random() * 400)}`, op, id, {
      ...(data !== null && { data }),
      ...((op === "create" || op === "touch") && { ttlSeconds }),
      server: pick(servers),
    });
    const f = { handle, op, id, data, ttlSeconds };
    // A few are never answered at all; they may take effect even so.
    if (random() < 0.002) {
      if (random() < 0.5) apply(f);
    } else inFlight.push(f);
  }
  for (const fault of open) history.fault(fault.name, "heal", fault);

  const final = new Map<string, FinalObservation>();
  for (const id of ids) {
    const s = store.get(id);
    final.set(id, healthy(s ? { ...s, source: "dynamodb" } : null, now + 1));
  }
  return { history, final };
}
