import type { ToxicKind } from "./Toxic";
import { ToxicStage } from "./ToxicStage";

/**
 * Drops every chunk and closes the stream once `timeout` ms pass without data (each chunk starts
 * the count again, as in Toxiproxy). With a timeout of 0 the stream stays open, silent, until the
 * toxic is removed, which closes it (Toxiproxy's cleanup of this toxic).
 */
class TimeoutStage extends ToxicStage<"timeout"> {
  override remove(): void {
    this.pause();
    this.close();
  }

  protected onWrite(_chunk: Buffer): void {
    this.resume();
  }

  protected override resume(): void {
    this.pause();
    const timeout = this.toxic.attributes.timeout;
    if (timeout > 0) this.after(timeout, () => this.close());
  }
}

export const timeoutToxic: ToxicKind<"timeout"> = {
  type: "timeout",
  attributeNames: ["timeout"],
  createStage: (toxic, host, next) => new TimeoutStage(toxic, host, next),
};
