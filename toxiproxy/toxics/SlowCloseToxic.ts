import type { ToxicKind } from "./Toxic";
import { ToxicStage } from "./ToxicStage";

/** Passes data through, and delays the close that follows the source's end by `delay` ms. */
class SlowCloseStage extends ToxicStage<"delay"> {
  protected onWrite(chunk: Buffer): void {
    this.emit(chunk);
  }

  protected override onEnd(): void {
    this.endPending = true;
    this.resume();
  }

  protected override resume(): void {
    if (this.endPending) this.after(this.toxic.attributes.delay, () => this.close());
  }
}

export const slowCloseToxic: ToxicKind<"delay"> = {
  type: "slow_close",
  attributeNames: ["delay"],
  createStage: (toxic, host, next) => new SlowCloseStage(toxic, host, next),
};
