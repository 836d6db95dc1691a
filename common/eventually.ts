import { setTimeout as delay } from "node:timers/promises";
import { messageOf } from "./messageOf";

export interface EventuallyOptions {
  /** Give up after this many milliseconds. Default: 5000 (below the step timeout). */
  timeoutMs?: number;
  /** Pause between two checks, in milliseconds. Default: 50. */
  intervalMs?: number;
  /** Names the awaited condition in the error raised at the deadline. */
  what?: string;
}

/**
 * Runs `check` (one at a time) until it resolves, and returns its value. At the deadline it rethrows
 * the last failure, prefixed with what was awaited. This is the only way the suite waits.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 50, what }: EventuallyOptions = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (performance.now() + intervalMs > deadline) {
        if (!what) throw error;
        const reason = messageOf(error);
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${reason}`, {
          cause: error,
        });
      }
    }
    await delay(intervalMs);
  }
}
