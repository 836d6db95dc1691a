import type { JsonValue } from "../store";

/** Size in bytes of the serialised session every workload reads and writes. */
export const PAYLOAD_BYTES = 512;

/** A session's data, padded so that the store's serialised session is exactly PAYLOAD_BYTES long. */
export interface BenchSession {
  /** What `store.create` is given, and what the layered-cache peer stores. */
  data: JsonValue;
  /** A serialised session of exactly PAYLOAD_BYTES: what raw GLIDE and raw DynamoDB write. */
  payload: string;
}

const EXAMPLE_ID = "AAAAAAAAAAAAAAAAAAAAAAAA";

/** The store's envelope around `data` (same field order and digit counts as a fresh session). */
function envelope(data: JsonValue, nowMs: number): string {
  const expiresAt = Math.ceil(nowMs / 1000) + 1800;
  return `{"version":1,"createdAt":${nowMs},"updatedAt":${nowMs},"expiresAt":${expiresAt},"id":${JSON.stringify(EXAMPLE_ID)},"data":${JSON.stringify(data)}}`;
}

export function benchSession(nowMs = Date.now()): BenchSession {
  const base = {
    user: "ada@example.com",
    roles: ["reader", "editor"],
    locale: "ja-JP",
    cart: [{ sku: "A-1001", qty: 2 }],
    pad: "",
  };
  const missing = PAYLOAD_BYTES - Buffer.byteLength(envelope(base, nowMs));
  if (missing < 0) throw new Error(`the base session is larger than ${PAYLOAD_BYTES} bytes`);
  const data = { ...base, pad: "x".repeat(missing) };
  const payload = envelope(data, nowMs);
  if (Buffer.byteLength(payload) !== PAYLOAD_BYTES) throw new Error("payload size drifted");
  return { data, payload };
}
