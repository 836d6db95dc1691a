import type { ToxicKind } from "./Toxic";
import { ToxicStage } from "./ToxicStage";

/** Passes everything through; Toxiproxy registers it as a creatable type too. */
class NoopStage extends ToxicStage<never> {
  protected onWrite(chunk: Buffer): void {
    this.emit(chunk);
  }
}

export const noopToxic: ToxicKind<never> = {
  type: "noop",
  attributeNames: [],
  createStage: (toxic, host, next) => new NoopStage(toxic, host, next),
};
