import type { NodeAddress, ValkeyConfig } from "./config";

/** "host:port" as an address (the last colon splits, so an IPv6 host keeps its own). */
export function parseAddress(address: string): NodeAddress {
  const at = address.lastIndexOf(":");
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/**
 * The store's address translation as one GLIDE `addressResolver`: `addressMap` first, then
 * `addressResolver`. GLIDE also calls it with addresses it already returned, so anything not in
 * the map passes through unchanged.
 */
export function addressResolverOf(
  config: Pick<ValkeyConfig, "addressMap" | "addressResolver">,
): ((host: string, port: number) => [string, number]) | undefined {
  const { addressMap, addressResolver } = config;
  if (!addressMap) return addressResolver;
  const map = new Map<string, [string, number]>();
  for (const [from, to] of Object.entries(addressMap)) {
    const { host, port } = parseAddress(to);
    map.set(from, [host, port]);
  }
  return (host, port) => {
    const mapped = map.get(`${host}:${port}`) ?? [host, port];
    return addressResolver ? addressResolver(...mapped) : mapped;
  };
}
