import type { ToxicKind } from "./Toxic";
import { ToxicStage } from "./ToxicStage";

/**
 * On the first data (or the end) that reaches it, drops it and, `timeout` ms later, resets the
 * connection: both peers get a TCP RST. Once started, the reset happens even if the toxic is
 * removed, as in Toxiproxy where the countdown cannot be interrupted.
 */
class ResetPeerStage extends ToxicStage<"timeout"> {
  /** Its own timer, not the stage's: pausing the stage (an update, a removal) must not stop it. */
  private resetTimer: NodeJS.Timeout | undefined;
  private triggered = false;

  override dispose(): void {
    clearTimeout(this.resetTimer);
    super.dispose();
  }

  protected onWrite(_chunk: Buffer): void {
    this.trigger();
  }

  protected override onEnd(): void {
    this.trigger();
  }

  private trigger(): void {
    if (this.triggered) return;
    this.triggered = true;
    const timeout = this.toxic.attributes.timeout;
    if (timeout > 0) this.resetTimer = setTimeout(() => this.host.reset(), timeout);
    else this.host.reset();
  }
}

export const resetPeerToxic: ToxicKind<"timeout"> = {
  type: "reset_peer",
  attributeNames: ["timeout"],
  createStage: (toxic, host, next) => new ResetPeerStage(toxic, host, next),
};
