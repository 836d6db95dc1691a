import type { Direction } from "../Direction";
import type { ChunkSink, StageHost, ToxicStage } from "./ToxicStage";

/** A kind of toxic (latency, bandwidth, ...): its type name, its attributes and how it acts. */
export interface ToxicKind<K extends string = string> {
  /** The `type` field, e.g. "latency". */
  readonly type: string;
  /** Attribute names in Toxiproxy's JSON order; every attribute is an integer, 0 by default. */
  readonly attributeNames: readonly K[];
  createStage(toxic: Toxic<K>, host: StageHost, next: ChunkSink): ToxicStage<K>;
}

/** The JSON form of a toxic, field for field as Toxiproxy writes it. */
export interface ToxicJson {
  attributes: Record<string, number>;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
}

/**
 * A toxic configured on a proxy. Its stages read the attributes live, so an update changes what
 * running connections do.
 */
export class Toxic<K extends string = string> {
  constructor(
    readonly kind: ToxicKind<K>,
    readonly name: string,
    /** The stream as the client wrote it (Toxiproxy echoes it unchanged, case included). */
    readonly stream: string,
    readonly direction: Direction,
    /** Probability in [0, 1] that the toxic acts on a link. */
    public toxicity: number,
    readonly attributes: Record<K, number>,
  ) {}

  /** One draw, as Toxiproxy draws each time a stub starts running its toxic. */
  rollToxicity(): boolean {
    return Math.random() < this.toxicity;
  }

  toJSON(): ToxicJson {
    return {
      attributes: { ...this.attributes },
      name: this.name,
      type: this.kind.type,
      stream: this.stream,
      toxicity: this.toxicity,
    };
  }
}
