import { seededRandom } from "../common/seededRandom";
import { FAULT_CLASS_INFO, FAULT_CLASSES, type FaultClass } from "../lab/faultClasses";

/** One fault of a campaign's schedule, as data: printed in the report, replayable from the seed. */
export interface ScheduledFault {
  class: FaultClass;
  /** An app server's name, "all" (every server's links), or "cluster" (node and data faults). */
  target: string;
  /** Milliseconds from the campaign's start. */
  start: number;
  heal: number;
  /** For clock-skew: the offset in milliseconds the target runs with meanwhile. */
  offsetMs?: number;
  /** For node faults: which primary (or replica) by port order. */
  node?: number;
}

export interface NemesisOptions {
  seed: number;
  /** Milliseconds of the campaign's operations; every fault heals before the last tenth. */
  durationMs: number;
  servers: readonly string[];
  /** The classes to draw from. Default: every class. */
  classes?: readonly FaultClass[];
  /** Faults in force at once, at most. Default: 2. */
  maxConcurrent?: number;
}

/**
 * Milliseconds kept between a DynamoDB fault and any fault on the cache side (a cache link, a node,
 * the cache's data, an app server's death): the journal drains (scan 1 s), a breaker closes (1 s)
 * and a lease runs out (1 s) in between.
 */
export const STORE_CLEARANCE_MS = 3000;

/**
 * A random schedule of overlapping faults: every class at least once (in a random order), then
 * more at random, each lasting 1.5-6 s with gaps of up to 2 s. Two rules keep the schedule inside
 * what the store promises to survive (see the README): at most one node or server fault at a time,
 * and one store's side failing at a time: no fault on the cache side while DynamoDB is failing or
 * within STORE_CLEARANCE_MS of it. A third keeps each fault what it says: one fault at a time on
 * any one server's links to a store.
 */
export function scheduleFaults(options: NemesisOptions): ScheduledFault[] {
  const random = seededRandom(options.seed ^ 0x0badfa17);
  const classes = options.classes ?? FAULT_CLASSES;
  const maxConcurrent = options.maxConcurrent ?? 2;
  const end = Math.floor(options.durationMs * 0.9);
  const queue = [...random.shuffled(classes)];
  const scheduled: ScheduledFault[] = [];
  const lanes = Array.from({ length: maxConcurrent }, (_, i) => i * 700);
  for (let attempts = 0; attempts < 1000; attempts++) {
    const lane = lanes.indexOf(Math.min(...lanes));
    const start = (lanes[lane] as number) + random.between(0, 2000);
    const heal = start + random.between(1500, 6000);
    if (heal > end) break;
    const faultClass = queue.shift() ?? random.pick(classes);
    const fault: ScheduledFault = { class: faultClass, target: targetOf(faultClass), start, heal };
    if (faultClass === "clock-skew")
      fault.offsetMs = random.pick([-1, 1]) * random.between(500, 2000);
    if (allowed(fault, scheduled)) {
      scheduled.push(fault);
      lanes[lane] = heal;
    } else {
      // Not now: try the class again later, and move this lane on a little.
      if (!scheduled.some((f) => f.class === faultClass)) queue.push(faultClass);
      lanes[lane] = start + 500;
    }
  }
  return scheduled.sort((a, b) => a.start - b.start);

  function targetOf(faultClass: FaultClass): string {
    const { scope } = FAULT_CLASS_INFO[faultClass];
    if (scope === "node" || scope === "cluster") return "cluster";
    if (scope === "server") return random.pick(options.servers);
    return random.chance(0.3) ? "all" : random.pick(options.servers);
  }
}

const overlaps = (a: ScheduledFault, b: ScheduledFault, margin = 0): boolean =>
  a.start < b.heal + margin && b.start < a.heal + margin;

const isDynamoDbFault = (f: ScheduledFault): boolean =>
  FAULT_CLASS_INFO[f.class].store === "dynamodb";
/**
 * Faults that keep a server from the cache, roll the cache back, or leave DynamoDB ahead of it (a
 * server killed between its two writes): beside a DynamoDB fault, a write could pass over the
 * journal, or be journalled on a copy DynamoDB has moved past, and lose against the other at replay.
 */
export const isCacheSideFault = (f: Pick<ScheduledFault, "class">): boolean =>
  FAULT_CLASS_INFO[f.class].store === "valkey" ||
  ["node", "cluster"].includes(FAULT_CLASS_INFO[f.class].scope) ||
  f.class === "app-server-killed";
const isExclusive = (f: ScheduledFault): boolean => {
  const { scope } = FAULT_CLASS_INFO[f.class];
  return scope === "node" || scope === "cluster" || scope === "server";
};

/**
 * Two faults on the same links (one store, a shared server): healing one heals the links, so the
 * other would end unseen, before the heal the schedule (and the checker) gives it.
 */
const sameLinks = (a: ScheduledFault, b: ScheduledFault): boolean => {
  const [ia, ib] = [FAULT_CLASS_INFO[a.class], FAULT_CLASS_INFO[b.class]];
  if (ia.scope !== "links" || ib.scope !== "links" || ia.store !== ib.store) return false;
  return a.target === b.target || a.target === "all" || b.target === "all";
};

function allowed(fault: ScheduledFault, scheduled: readonly ScheduledFault[]): boolean {
  for (const other of scheduled) {
    if (isExclusive(fault) && isExclusive(other) && overlaps(fault, other)) return false;
    if (sameLinks(fault, other) && overlaps(fault, other)) return false;
    const cacheSide = [fault, other].find(isCacheSideFault);
    const dynamo = [fault, other].find(isDynamoDbFault);
    if (cacheSide && dynamo && overlaps(cacheSide, dynamo, STORE_CLEARANCE_MS)) return false;
  }
  return true;
}
