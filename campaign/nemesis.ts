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

/** Milliseconds between a DynamoDB fault's heal and any loss of cache data: the journal drains. */
export const DATA_LOSS_CLEARANCE_MS = 3000;

/**
 * A random schedule of overlapping faults: every class at least once (in a random order), then
 * more at random, each lasting 1.5-6 s with gaps of up to 2 s. Two rules keep the schedule inside
 * what the store promises to survive (see the README): at most one node or server fault at a time,
 * and no loss of cache data while DynamoDB is failing or within DATA_LOSS_CLEARANCE_MS of it.
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
const isExclusive = (f: ScheduledFault): boolean => {
  const { scope } = FAULT_CLASS_INFO[f.class];
  return scope === "node" || scope === "cluster" || scope === "server";
};

function allowed(fault: ScheduledFault, scheduled: readonly ScheduledFault[]): boolean {
  for (const other of scheduled) {
    if (isExclusive(fault) && isExclusive(other) && overlaps(fault, other)) return false;
    const dataLoss = [fault, other].find((f) => f.class === "cache-data-lost");
    const dynamo = [fault, other].find(isDynamoDbFault);
    if (dataLoss && dynamo && overlaps(dataLoss, dynamo, DATA_LOSS_CLEARANCE_MS)) return false;
  }
  return true;
}
