export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. Default: 3. */
  failureThreshold?: number;
  /** Milliseconds the breaker stays open before it lets one probe through. Default: 1000. */
  openMs?: number;
}

/**
 * Stops paying a failing dependency's timeout on every call. Closed: calls go through, and
 * `failureThreshold` consecutive failures open it. Open: calls are refused at once. After `openMs`,
 * one call goes through as a probe (half-open): success closes the breaker, failure reopens it.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = "closed";
  private readonly threshold: number;
  private readonly openMs: number;

  constructor(
    options: BreakerOptions = {},
    private readonly onChange: (state: BreakerState) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.threshold = options.failureThreshold ?? 3;
    this.openMs = options.openMs ?? 1000;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Whether a call may go through now; in half-open state only one caller gets `true`. */
  allow(): boolean {
    if (this.current === "closed") return true;
    if (this.current === "open" && this.now() - this.openedAt >= this.openMs) {
      this.transition("half-open");
    }
    if (this.current === "half-open" && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== "closed") this.transition("closed");
  }

  failure(): void {
    this.probing = false;
    this.failures += 1;
    if (
      this.current === "half-open" ||
      (this.current === "closed" && this.failures >= this.threshold)
    ) {
      this.openedAt = this.now();
      this.transition("open");
    }
  }

  private transition(state: BreakerState): void {
    this.current = state;
    this.onChange(state);
  }
}
