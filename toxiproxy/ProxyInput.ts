import { missingField } from "./ApiError";
import { asObject, readBoolean, readString } from "./JsonBody";

/** The fields of a proxy a client may set. */
export interface ProxyInput {
  name: string;
  /** `host:port` to listen on; port 0 picks a free one. */
  listen: string;
  /** `host:port` to forward to. */
  upstream: string;
  enabled: boolean;
}

/**
 * Reads a proxy from a request body over `defaults`, as Go decodes JSON into a pre-filled struct:
 * fields left out (or null) keep the default.
 */
export function decodeProxyInput(body: unknown, defaults: ProxyInput): ProxyInput {
  const input = asObject(body, "toxiproxy.Proxy");
  return {
    name: readString(input, "name", "Proxy") ?? defaults.name,
    listen: readString(input, "listen", "Proxy") ?? defaults.listen,
    upstream: readString(input, "upstream", "Proxy") ?? defaults.upstream,
    enabled: readBoolean(input, "enabled", "Proxy") ?? defaults.enabled,
  };
}

/** A proxy to create must name itself and its upstream; `suffix` says which one of a list. */
export function requireNameAndUpstream(input: ProxyInput, suffix = ""): void {
  if (input.name === "") throw missingField(`name${suffix}`);
  if (input.upstream === "") throw missingField(`upstream${suffix}`);
}
