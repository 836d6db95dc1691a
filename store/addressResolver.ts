import type { NodeAddress, ValkeyConfig } from "./config";

/**
 * "host:port" as an address (the last colon splits, so an IPv6 host keeps its own); throws a
 * sentence naming `what` when it is not one.
 */
export function parseAddress(address: string, what = "an address"): NodeAddress {
  const at = address.lastIndexOf(":");
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error(`${what} must be host:port, not "${address}"`);
  }
  return { host, port };
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
