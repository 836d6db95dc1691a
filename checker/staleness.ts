import type { FaultWindow } from "./Operation";

/**
 * The staleness the store promises under each fault: a read may miss a write W for a while only if
 * some fault F with a bound L_F > 0 was in force at some moment between W's invoke and the read's
 * invoke, and the read was invoked at most L_F after W completed or F healed, whichever is later.
 * A fault counts as in force until L_F after its heal: the store takes that long to recover from
 * it (a breaker closing, leases granted meanwhile running out), and the bound covers that too.
 */
export class StalenessBound {
  private readonly bounded: { window: FaultWindow; boundMs: number }[];

  constructor(windows: readonly FaultWindow[], stalenessMs: Readonly<Record<string, number>>) {
    this.bounded = windows.flatMap((window) => {
      const boundMs = Object.hasOwn(stalenessMs, window.class)
        ? (stalenessMs[window.class] ?? 0)
        : 0;
      return boundMs > 0 ? [{ window, boundMs }] : [];
    });
  }

  /**
   * The fault that excuses a read invoked at `readAt` for missing a write (or delete) invoked at
   * `writeAt` and completed at `writeDoneAt`; undefined when none does. Milliseconds throughout.
   */
  excuse(writeAt: number, writeDoneAt: number, readAt: number): FaultWindow | undefined {
    for (const { window, boundMs } of this.bounded) {
      if (window.from > readAt || window.to + boundMs < writeAt) continue;
      if (readAt <= Math.max(writeDoneAt, window.to) + boundMs) return window;
    }
    return undefined;
  }
}
