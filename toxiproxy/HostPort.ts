import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** A TCP address as Toxiproxy's `listen` and `upstream` fields write it: `host:port`. */
export interface HostPort {
  /** Name or IP literal, without brackets; empty means every interface. */
  host: string;
  port: number;
}

/** Splits `host:port` (`[v6]:port` for IPv6) the way Go's net.SplitHostPort does. */
export function splitHostPort(address: string): HostPort {
  const colon = address.lastIndexOf(":");
  if (colon < 0) throw new Error(`address ${address}: missing port in address`);
  let host = address.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  else if (host.includes(":")) throw new Error(`address ${address}: too many colons in address`);
  const portText = address.slice(colon + 1);
  const port = portText === "" ? 0 : Number(portText);
  if (!/^\d*$/.test(portText) || port > 65535) throw new Error(`address ${address}: unknown port`);
  return { host, port };
}

/** Writes an address as Go's TCPAddr.String() does: IPv6 hosts in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Resolves the host of a listen address to an IP, preferring IPv4 as Go does, so that
 * "localhost:26379" and "127.0.0.1:26379" name the same listener.
 */
export async function resolveHostPort(address: string): Promise<HostPort> {
  const { host, port } = splitHostPort(address);
  if (host === "" || isIP(host) !== 0) return { host, port };
  const resolved = await lookup(host, { order: "ipv4first" });
  return { host: resolved.address, port };
}
