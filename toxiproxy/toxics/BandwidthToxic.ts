import type { ToxicKind } from "./Toxic";
import { ToxicStage } from "./ToxicStage";

/** Toxiproxy sends a slow stream in pieces of 100 ms worth of data. */
const SLICE_MS = 100;

/**
 * Lets data through at `rate` KB/s (1 KB = 1000 bytes, so `rate` is also bytes per millisecond).
 * A rate of 0 or less lets everything through at once.
 */
class BandwidthStage extends ToxicStage<"rate"> {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  /** performance.now() at which the slice being timed may go. */
  private due = 0;

  override get bufferedBytes(): number {
    return this.queuedBytes;
  }

  protected onWrite(chunk: Buffer): void {
    if (this.toxic.attributes.rate <= 0 && this.queue.length === 0) {
      this.emit(chunk);
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (!this.waiting) this.schedule(performance.now());
  }

  protected override onEnd(): void {
    if (this.queue.length === 0) this.close();
    else this.endPending = true;
  }

  protected override resume(): void {
    this.schedule(performance.now());
  }

  protected override releaseHeld(): void {
    while (this.queue.length > 0 && !this.isClosed) {
      const chunk = this.queue.shift() as Buffer;
      this.queuedBytes -= chunk.length;
      this.emit(chunk);
    }
  }

  /**
   * Times the next slice from `from`: the previous slice's due time while the stream is busy, so
   * that late timers do not add up; now after an idle spell.
   */
  private schedule(from: number): void {
    const head = this.queue[0];
    if (head === undefined) {
      if (this.endPending) this.close();
      return;
    }
    const rate = this.toxic.attributes.rate;
    if (rate <= 0) {
      this.drain();
      return;
    }
    const now = performance.now();
    this.due = Math.max(from, now) + Math.min(head.length, rate * SLICE_MS) / rate;
    this.after(Math.max(0, this.due - now), () => this.sendSlice());
  }

  private sendSlice(): void {
    const head = this.queue[0];
    if (head === undefined) return;
    const size = Math.min(head.length, Math.max(1, this.toxic.attributes.rate * SLICE_MS));
    if (size >= head.length) this.queue.shift();
    else this.queue[0] = head.subarray(size);
    this.queuedBytes -= size;
    this.emit(head.subarray(0, size));
    if (!this.isClosed) this.schedule(this.due);
  }
}

export const bandwidthToxic: ToxicKind<"rate"> = {
  type: "bandwidth",
  attributeNames: ["rate"],
  createStage: (toxic, host, next) => new BandwidthStage(toxic, host, next),
};
