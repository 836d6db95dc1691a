import type { Session } from "../store";
import { returnedOf } from "./History";
import type { Operation } from "./Operation";
import { compareKeys, keyOfPayload, type SessionKey } from "./order";
import { describe } from "./SessionIndex";
import { labelOf, type SessionRules, who } from "./SessionRules";
import type { ViolationKind } from "./Verdict";

/** One store's raw copy of a session, read directly after the faults healed. */
export interface StoredCopy {
  version: number;
  /** The exact bytes the store holds. */
  payload: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** What the scenario observed of one session once every fault had healed. */
export interface FinalObservation {
  /** `store.get(id)` after healing. */
  read: Session | null;
  cache: StoredCopy | null;
  durable: StoredCopy | null;
  /**
   * Epoch milliseconds taken after the final read completed; decides whether a missing session
   * had simply expired. Default: the history's clock when checkHistory runs.
   */
  observedAt?: number;
}

export type FinalState =
  | ReadonlyMap<string, FinalObservation>
  | Readonly<Record<string, FinalObservation>>;

export function observationOf(final: FinalState, id: string): FinalObservation | undefined {
  if (final instanceof Map) return (final as ReadonlyMap<string, FinalObservation>).get(id);
  return Object.hasOwn(final, id) ? (final as Record<string, FinalObservation>)[id] : undefined;
}

type Place = "the final read" | "DynamoDB" | "the cache";

interface Copy {
  place: Place;
  /** Undefined when the place holds no live session. */
  key: SessionKey | undefined;
}

/**
 * After healing, each place holds the newest acknowledged version or a later one that some write
 * may have produced (the cache may instead hold nothing), nothing an acknowledged delete removed,
 * and the places agree on the bytes and the expiry.
 */
export function judgeFinalState(
  rules: SessionRules,
  observed: FinalObservation,
  observedAt: number,
): void {
  const nowSeconds = Math.floor(observedAt / 1000);
  const stored = (copy: StoredCopy | null) => {
    const key = copy ? keyOfPayload(copy.payload) : undefined;
    return key && key.expiresAt > nowSeconds ? key : undefined;
  };
  const copies: Copy[] = [
    { place: "the final read", key: observed.read ? returnedOf(observed.read) : undefined },
    { place: "DynamoDB", key: stored(observed.durable) },
    { place: "the cache", key: stored(observed.cache) },
  ];
  const wrong = new Set<Place>([
    ...lostWrites(rules, copies, observedAt),
    ...unproducible(rules, copies),
  ]);
  divergence(rules, observed, wrong);
}

/** The places that lost an acknowledged write or delete; each such session is reported once. */
function lostWrites(rules: SessionRules, copies: readonly Copy[], observedAt: number): Place[] {
  const { index } = rules;
  const last = index.newestAcked();
  const deleted = index.deletes.filter((d) => !last || d.op.start > last.op.end).at(-1);
  if (deleted) {
    const kept = copies.filter((c) => c.key && c.key.createdAt <= deleted.removesUpTo);
    const [first] = kept;
    if (!first?.key) return [];
    rules.report(
      "lost-write",
      `${who(deleted.op)}'s delete was acknowledged at #${deleted.op.end}, after every acknowledged write, but ${places(kept)} still ${kept.length > 1 ? "hold" : "holds"} ${labelOf(rules, first.key)}.`,
      [deleted.op],
    );
    return kept.map((c) => c.place);
  }
  if (!last) return [];
  const ackedTo = `${labelOf(rules, last.session)} (${last.op.op}) acknowledged to ${who(last.op)} at #${last.op.end}`;
  const older = copies.filter((c) => c.key && compareKeys(c.key, last.session) < 0);
  const mayBeGone =
    index.mayHaveBeenRemoved(last.op.start, Number.POSITIVE_INFINITY) ||
    index.mayHaveExpired(last.session, Number.POSITIVE_INFINITY, observedAt);
  const missing = mayBeGone ? [] : copies.filter((c) => !c.key && c.place !== "the cache");
  const sentences: string[] = [];
  const [first] = older;
  if (first?.key) {
    const same = older.every((c) => c.key?.payload === first.key?.payload);
    const held = same
      ? `${places(older)} ${older.length > 1 ? "hold" : "holds"} ${labelOf(rules, first.key)}${first.key.version === last.session.version ? ` as ${describe(first.key)}` : ""}`
      : older.map((c) => `${c.place} holds ${labelOf(rules, c.key as SessionKey)}`).join(", ");
    sentences.push(`${held}, older than ${ackedTo}`);
  }
  if (missing.length > 0) {
    sentences.push(
      `${places(missing)} found no session although ${ackedTo} was never deleted and expires at ${last.session.expiresAt} s`,
    );
  }
  if (sentences.length === 0) return [];
  rules.report("lost-write", `After healing, ${sentences.join("; ")}.`, [last.op]);
  return [...older, ...missing].map((c) => c.place);
}

/** The places whose copy no write (or only a failed one) could have produced. */
function unproducible(rules: SessionRules, copies: readonly Copy[]): Place[] {
  const last = rules.index.newestAcked();
  const found = new Map<ViolationKind, { places: Place[]; reason: string; ops: Operation[] }>();
  for (const { place, key } of copies) {
    if (!key || (last && compareKeys(key, last.session) <= 0)) continue;
    const origin = rules.index.originOf(key, Number.POSITIVE_INFINITY);
    if (origin.kind === "known") continue;
    const entry = found.get(origin.kind) ?? { places: [], reason: origin.reason, ops: origin.ops };
    entry.places.push(place);
    found.set(origin.kind, entry);
  }
  for (const [kind, { places: where, reason, ops }] of found) {
    const context = anchorOf(rules);
    const shown = ops.length > 0 || !context ? ops : [context];
    rules.report(kind, `After healing, ${listOf(where)} ${reason}.`, shown);
  }
  return [...found.values()].flatMap((e) => e.places);
}

/** Both stores, and the final read, agree on a surviving session's bytes and expiry. */
function divergence(rules: SessionRules, observed: FinalObservation, wrong: Set<Place>): void {
  const { read, cache, durable } = observed;
  const anchor = anchorOf(rules);
  const ops = anchor ? [anchor] : [];
  const report = (message: string) => rules.report("divergence", message, ops);
  if (!durable) {
    if (wrong.has("DynamoDB")) return;
    if (read) {
      report(
        `The final read returned version ${read.version} from the ${read.source}, but DynamoDB holds no item for the session.`,
      );
    } else if (cache && !wrong.has("the cache")) {
      report(
        `The cache holds version ${cache.version}, but DynamoDB holds no item for the session.`,
      );
    }
    return;
  }
  if (cache && !wrong.has("the cache") && !wrong.has("DynamoDB")) {
    const differs: string[] = [];
    if (cache.payload !== durable.payload) {
      differs.push(
        `the cache holds version ${cache.version} and DynamoDB version ${durable.version}, and their payloads differ`,
      );
    }
    if (cache.expiresAt !== durable.expiresAt) {
      differs.push(
        `the cache expires the session at ${cache.expiresAt} s but DynamoDB at ${durable.expiresAt} s`,
      );
    }
    if (differs.length > 0) report(`${capitalised(differs.join("; "))}.`);
  }
  if (read && !wrong.has("the final read") && !wrong.has("DynamoDB")) {
    const differs: string[] = [];
    if (read.expiresAt !== durable.expiresAt) {
      differs.push(
        `the final read says the session expires at ${read.expiresAt} s but DynamoDB holds ${durable.expiresAt} s`,
      );
    }
    if (returnedOf(read).payload !== durable.payload) {
      differs.push(
        `the final read returned version ${read.version} from the ${read.source}, not the bytes DynamoDB holds (version ${durable.version})`,
      );
    }
    if (differs.length > 0) report(`${capitalised(differs.join("; "))}.`);
  }
}

/** The operation a final-state anomaly is shown beside: the newest acknowledged write, else the last write. */
function anchorOf(rules: SessionRules): Operation | undefined {
  const { index } = rules;
  return index.newestAcked()?.op ?? index.ops.findLast((o) => o.op !== "read") ?? index.ops.at(-1);
}

const places = (copies: readonly Copy[]): string => listOf(copies.map((c) => c.place));

function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
