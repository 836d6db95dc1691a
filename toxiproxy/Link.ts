import type { Socket } from "node:net";
import type { Direction } from "./Direction";
import type { Toxic } from "./toxics/Toxic";
import type { ChunkSink, StageHost, ToxicStage } from "./toxics/ToxicStage";

/** Bytes a link's toxics may hold before it stops reading its source (TCP pushes back). */
const HIGH_WATER_BYTES = 1 << 20;

/** The connection a link belongs to. */
export interface LinkOwner {
  /** The link's stream has ended and its destination was told (FIN), or cannot be written. */
  linkFinished(link: Link): void;
  /** Reset both sockets (a reset_peer toxic fired). */
  reset(): void;
}

/**
 * One direction of a proxied connection: source socket -> toxic stages -> destination socket.
 * With no toxic, chunks go straight to the destination (as cheap as a pipe); with toxics they go
 * through a chain that is rewired while data flows, so a toxic added to an open connection acts on
 * the data read after it was added, as Toxiproxy's live-updated chains do.
 */
export class Link implements StageHost {
  private readonly stages: ToxicStage[] = [];
  private readonly sink: ChunkSink = {
    write: (chunk) => {
      if (!this.finished) this.dest.write(chunk);
    },
    end: () => this.finish(),
  };
  private reading = false;
  private finished = false;

  constructor(
    readonly direction: Direction,
    private readonly source: Socket,
    private readonly dest: Socket,
    private readonly owner: LinkOwner,
  ) {}

  get isFinished(): boolean {
    return this.finished;
  }

  /** Starts with the proxy's current toxics for this direction, in the order they were added. */
  start(toxics: readonly Toxic[]): void {
    for (const toxic of toxics) this.addToxic(toxic);
    this.reading = true;
    this.source.on("data", this.onData);
    this.source.on("end", this.sourceEnded);
    this.dest.on("drain", this.released);
  }

  /** Appends a stage at the end of the chain, as Toxiproxy appends new toxics. */
  addToxic(toxic: Toxic): void {
    if (this.finished) return;
    const stage = toxic.kind.createStage(toxic, this, this.sink);
    const last = this.stages.at(-1);
    if (last !== undefined) last.next = stage;
    this.stages.push(stage);
    stage.start();
  }

  updateToxic(toxic: Toxic): void {
    this.stages.find((stage) => stage.toxic === toxic)?.update();
  }

  removeToxic(toxic: Toxic): void {
    const index = this.stages.findIndex((stage) => stage.toxic === toxic);
    const stage = this.stages[index];
    if (stage === undefined) return;
    const previous = this.stages[index - 1];
    if (previous !== undefined) previous.next = stage.next;
    this.stages.splice(index, 1);
    // Rewired first: what the stage still holds goes on to the same next as new data will.
    stage.remove();
    this.released();
  }

  /** No more data will come from the source: the end goes down the chain behind the data. */
  readonly sourceEnded = (): void => {
    if (!this.reading) return;
    this.stopReading();
    (this.stages[0] ?? this.sink).end();
  };

  /** The destination is gone: drop what the chain holds. */
  abort(): void {
    if (this.finished) return;
    this.dispose();
    this.owner.linkFinished(this);
  }

  /** Stops every stage's timers and all reading, without telling anyone. */
  dispose(): void {
    this.finished = true;
    this.stopReading();
    for (const stage of this.stages) stage.dispose();
  }

  readonly released = (): void => {
    if (
      this.reading &&
      this.source.isPaused() &&
      !this.dest.writableNeedDrain &&
      this.bufferedBytes() < HIGH_WATER_BYTES
    ) {
      this.source.resume();
    }
  };

  reset(): void {
    this.owner.reset();
  }

  private readonly onData = (chunk: Buffer): void => {
    const head = this.stages[0];
    if (head === undefined) {
      if (!this.dest.write(chunk)) this.source.pause();
      return;
    }
    head.write(chunk);
    if (this.dest.writableNeedDrain || this.bufferedBytes() >= HIGH_WATER_BYTES) {
      this.source.pause();
    }
  };

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopReading();
    if (!this.dest.destroyed) this.dest.end();
    this.owner.linkFinished(this);
  }

  private stopReading(): void {
    this.reading = false;
    this.source.off("data", this.onData);
    this.source.off("end", this.sourceEnded);
    this.dest.off("drain", this.released);
  }

  private bufferedBytes(): number {
    let total = 0;
    for (const stage of this.stages) total += stage.bufferedBytes;
    return total;
  }
}
