import type { ToxicKind } from "./Toxic";
import { ToxicStage } from "./ToxicStage";

type LatencyAttribute = "latency" | "jitter";

interface DelayedChunk {
  chunk: Buffer;
  /** performance.now() when the chunk reached this stage. */
  arrivedAt: number;
  /** performance.now() from which it may go on. */
  due: number;
}

/**
 * Holds each chunk until `latency ± jitter` milliseconds after it arrived, as Toxiproxy times each
 * chunk from when it was read: a steady stream is delayed, not slowed down. Order is kept.
 */
class LatencyStage extends ToxicStage<LatencyAttribute> {
  private readonly queue: DelayedChunk[] = [];
  private queuedBytes = 0;

  override get bufferedBytes(): number {
    return this.queuedBytes;
  }

  protected onWrite(chunk: Buffer): void {
    const now = performance.now();
    this.queue.push({ chunk, arrivedAt: now, due: now + this.delay() });
    this.queuedBytes += chunk.length;
    if (!this.waiting) this.schedule();
  }

  protected override onEnd(): void {
    if (this.queue.length === 0) this.close();
    else this.endPending = true;
  }

  protected override resume(): void {
    // New attributes apply to the chunks still held, counted from when each arrived.
    for (const held of this.queue) held.due = held.arrivedAt + this.delay();
    this.schedule();
  }

  protected override releaseHeld(): void {
    while (this.queue.length > 0 && !this.isClosed) this.sendHead();
  }

  private schedule(): void {
    const head = this.queue[0];
    if (head === undefined) return;
    this.after(Math.max(0, head.due - performance.now()), () => this.sendDue());
  }

  private sendDue(): void {
    // Timers fire on whole milliseconds; a chunk due within the next one goes now.
    const now = performance.now() + 1;
    for (let head = this.queue[0]; head !== undefined && head.due <= now; head = this.queue[0]) {
      if (this.isClosed) return;
      this.sendHead();
    }
    if (this.queue.length > 0) this.schedule();
    else if (this.endPending) this.close();
  }

  private sendHead(): void {
    const head = this.queue.shift();
    if (head === undefined) return;
    this.queuedBytes -= head.chunk.length;
    this.emit(head.chunk);
  }

  /** Milliseconds: latency plus a uniform draw in [-jitter, jitter). */
  private delay(): number {
    const { latency, jitter } = this.toxic.attributes;
    return jitter > 0 ? latency + Math.floor(Math.random() * 2 * jitter) - jitter : latency;
  }
}

export const latencyToxic: ToxicKind<LatencyAttribute> = {
  type: "latency",
  attributeNames: ["latency", "jitter"],
  createStage: (toxic, host, next) => new LatencyStage(toxic, host, next),
};
