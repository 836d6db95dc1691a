import type { Toxic } from "./Toxic";

/** Where a stage hands on what it lets through: the next stage, or the link's destination. */
export interface ChunkSink {
  write(chunk: Buffer): void;
  /** No more data will come (the source closed, or a toxic closed the stream). */
  end(): void;
}

/** What a stage may ask of the link it runs in. */
export interface StageHost {
  /** Data left a stage: the link may resume reading a source it paused for backpressure. */
  released(): void;
  /** Closes the whole connection with TCP RST on both sides. */
  reset(): void;
}

/**
 * One toxic running on one link (one direction of one connection), like a ToxicStub in Toxiproxy.
 * Stages are chained; the link rewires `next` when toxics are added or removed while data flows.
 *
 * Whether the toxic acts is rolled against its toxicity when the stage starts and again on every
 * update, as Toxiproxy rolls on each run of a stub; a stage that lost the roll passes data through.
 */
export abstract class ToxicStage<K extends string = string> {
  private active = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** The source ended while this stage still holds data or delays the close. */
  protected endPending = false;

  constructor(
    readonly toxic: Toxic<K>,
    protected readonly host: StageHost,
    public next: ChunkSink,
  ) {}

  write(chunk: Buffer): void {
    if (this.closed) return;
    if (this.active) this.onWrite(chunk);
    else this.emit(chunk);
  }

  end(): void {
    if (this.closed || this.endPending) return;
    if (this.active) this.onEnd();
    else this.close();
  }

  start(): void {
    this.active = this.toxic.rollToxicity();
    if (this.active) this.resume();
  }

  /** The toxic's attributes or toxicity changed. */
  update(): void {
    if (this.closed) return;
    this.pause();
    this.active = this.toxic.rollToxicity();
    if (this.active) this.resume();
    else this.drain();
  }

  /** The toxic was removed: what it holds goes on at once, and a close it delayed happens now. */
  remove(): void {
    if (this.closed) return;
    this.pause();
    this.drain();
  }

  /** The connection is gone: stop every timer and drop what is held. */
  dispose(): void {
    this.pause();
    this.closed = true;
  }

  /** Bytes held back, for the link's backpressure. */
  get bufferedBytes(): number {
    return 0;
  }

  protected get isClosed(): boolean {
    return this.closed;
  }

  /** Whether a timer set with `after` is pending. */
  protected get waiting(): boolean {
    return this.timer !== undefined;
  }

  /** Runs `action` in `ms` milliseconds, instead of any action still pending. */
  protected after(ms: number, action: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      action();
    }, ms);
  }

  protected emit(chunk: Buffer): void {
    this.next.write(chunk);
    this.host.released();
  }

  /** Ends the stream from here on, as closing a stub's output does in Toxiproxy. */
  protected close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pause();
    this.next.end();
  }

  protected drain(): void {
    this.releaseHeld();
    if (this.endPending) this.close();
  }

  protected abstract onWrite(chunk: Buffer): void;

  protected onEnd(): void {
    this.close();
  }

  /** Stops the pending timer; held data stays held. */
  protected pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Starts acting with the current attributes (timers, schedules). */
  protected resume(): void {}

  /** Sends on everything held, at once. */
  protected releaseHeld(): void {}
}
