import type { ToxicKind } from "./Toxic";
import { ToxicStage } from "./ToxicStage";

/**
 * Lets `bytes` bytes through on this link, then closes the stream. The count survives updates of
 * the toxic, as Toxiproxy keeps it in the stub's state.
 */
class LimitDataStage extends ToxicStage<"bytes"> {
  private transmitted = 0;

  protected onWrite(chunk: Buffer): void {
    const limit = this.toxic.attributes.bytes;
    const remaining = Math.max(0, limit - this.transmitted);
    const allowed = remaining < chunk.length ? chunk.subarray(0, remaining) : chunk;
    if (allowed.length > 0) {
      this.transmitted += allowed.length;
      this.emit(allowed);
    }
    if (limit - this.transmitted <= 0) this.close();
  }
}

export const limitDataToxic: ToxicKind<"bytes"> = {
  type: "limit_data",
  attributeNames: ["bytes"],
  createStage: (toxic, host, next) => new LimitDataStage(toxic, host, next),
};
