import type { ToxicKind } from "./Toxic";
import { ToxicStage } from "./ToxicStage";

type SlicerAttribute = "average_size" | "size_variation" | "delay";

/**
 * Cuts each chunk into pieces of about `average_size` ± `size_variation` bytes and sends them
 * `delay` microseconds apart, to imitate data arriving in several TCP segments.
 */
class SlicerStage extends ToxicStage<SlicerAttribute> {
  private readonly pieces: Buffer[] = [];
  private queuedBytes = 0;

  override get bufferedBytes(): number {
    return this.queuedBytes;
  }

  protected onWrite(chunk: Buffer): void {
    const bounds = sliceBounds(chunk.length, this.toxic.attributes);
    for (let i = 1; i < bounds.length; i++) {
      this.pieces.push(chunk.subarray(bounds[i - 1], bounds[i]));
    }
    this.queuedBytes += chunk.length;
    this.pump();
  }

  protected override onEnd(): void {
    if (this.pieces.length === 0 && !this.waiting) this.close();
    else this.endPending = true;
  }

  protected override resume(): void {
    this.pump();
  }

  protected override releaseHeld(): void {
    if (this.pieces.length === 0) return;
    // Toxiproxy sends the rest of an interrupted chunk in one piece.
    const rest = Buffer.concat(this.pieces.splice(0));
    this.queuedBytes = 0;
    this.emit(rest);
  }

  private pump(): void {
    if (this.waiting) return;
    const delayMs = this.toxic.attributes.delay / 1000;
    for (let piece = this.pieces.shift(); piece !== undefined; piece = this.pieces.shift()) {
      this.queuedBytes -= piece.length;
      this.emit(piece);
      if (this.isClosed) return;
      if (delayMs > 0) {
        this.after(delayMs, () => this.pump());
        return;
      }
    }
    if (this.endPending) this.close();
  }
}

/**
 * Offsets [0, a, b, ..., length] cutting `length` bytes into pieces: halves are split again until
 * a piece is within `size_variation` of `average_size`, each cut moved by up to ± `size_variation`.
 * Iterative, and every piece has at least one byte, so no setting can recurse without end.
 */
export function sliceBounds(
  length: number,
  { average_size: average, size_variation: variation }: Record<SlicerAttribute, number>,
): number[] {
  const bounds = [0];
  const ranges: Array<[number, number]> = [[0, length]];
  for (let range = ranges.pop(); range !== undefined; range = ranges.pop()) {
    const [start, end] = range;
    let mid = start + Math.floor((end - start) / 2);
    if (variation > 0) mid += Math.floor(Math.random() * 2 * variation) - variation;
    if (end - start - average <= variation || mid <= start || mid >= end) {
      if (end > start) bounds.push(end);
      continue;
    }
    // Right half first on the stack, so the left half is cut (and sent) first.
    ranges.push([mid, end], [start, mid]);
  }
  return bounds;
}

export const slicerToxic: ToxicKind<SlicerAttribute> = {
  type: "slicer",
  attributeNames: ["average_size", "size_variation", "delay"],
  createStage: (toxic, host, next) => new SlicerStage(toxic, host, next),
};
