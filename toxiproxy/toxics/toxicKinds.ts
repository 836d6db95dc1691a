import { bandwidthToxic } from "./BandwidthToxic";
import { latencyToxic } from "./LatencyToxic";
import { limitDataToxic } from "./LimitDataToxic";
import { noopToxic } from "./NoopToxic";
import { resetPeerToxic } from "./ResetPeerToxic";
import { slicerToxic } from "./SlicerToxic";
import { slowCloseToxic } from "./SlowCloseToxic";
import { timeoutToxic } from "./TimeoutToxic";
import type { ToxicKind } from "./Toxic";

const kinds: ReadonlyMap<string, ToxicKind> = new Map(
  [
    latencyToxic,
    bandwidthToxic,
    slowCloseToxic,
    timeoutToxic,
    resetPeerToxic,
    slicerToxic,
    limitDataToxic,
    noopToxic,
  ].map((kind): [string, ToxicKind] => [kind.type, kind]),
);

/** The kind a toxic's `type` field names, if Toxiproxy 2.x has it. */
export function toxicKind(type: string): ToxicKind | undefined {
  return kinds.get(type);
}
