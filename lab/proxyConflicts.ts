import { Toxiproxy } from "toxiproxy-node-client";
import { messageOf } from "../common/messageOf";
import { parseAddress } from "../store";
import type { ProxyDescription } from "./FaultProxy";
import { listenerOf } from "./processes";

/** Toxiproxy's rule: a listener in the ephemeral range can collide with any outgoing connection. */
export const EPHEMERAL_PORTS = { first: 32768, last: 61000 } as const;

/** Throws unless `port` lies outside the ephemeral range. */
export function assertNotEphemeral(port: number, what: string): void {
  if (port >= EPHEMERAL_PORTS.first && port <= EPHEMERAL_PORTS.last) {
    throw new Error(
      `${what} would listen on port ${port}, inside the ephemeral range ${EPHEMERAL_PORTS.first}-${EPHEMERAL_PORTS.last}: choose a port below ${EPHEMERAL_PORTS.first}`,
    );
  }
}

/** The app server a proxy named `app-<client>-...` was made for, in words. */
function madeFor(name: string): string {
  const client = /^app-(.+?)-(valkey-\d+|dynamodb)$/.exec(name)?.[1];
  return client ? ` (made for app server "${client}")` : "";
}

/**
 * Why `wanted` could not be created on the Toxiproxy at `url`, in one sentence that names the
 * port and who holds it: a proxy of the same name, a proxy on the same port, or another process.
 * The client only says "Request failed with status code 500"; the server is asked what is there.
 */
export async function explainProxyFailure(
  url: string,
  wanted: ProxyDescription,
  cause: unknown,
): Promise<string> {
  const what = `cannot create proxy ${wanted.name} on ${wanted.listen} (to ${wanted.upstream}) on the fault proxy at ${url}`;
  let existing: ExistingProxy[];
  try {
    existing = Object.values(await new Toxiproxy(url).getAll());
  } catch (error) {
    return `${what}: the fault proxy does not answer (${messageOf(error)})`;
  }
  const same = existing.find((p) => p.name === wanted.name);
  if (same) {
    return `${what}: a proxy of that name already exists, on ${same.listen} to ${same.upstream}${madeFor(same.name)}; stop that server, or remove what an earlier run left (npm run env:down removes every proxy to this environment)`;
  }
  return `${what}: ${portHolder(existing, wanted) ?? messageOf(cause)}`;
}

/**
 * Why `POST /populate` with `wanted` failed: the first proxy whose port another proxy or another
 * process holds (a proxy of the same name is no obstacle: populate replaces it).
 */
export async function explainPopulateFailure(
  url: string,
  wanted: readonly ProxyDescription[],
  cause: unknown,
): Promise<string> {
  let existing: ExistingProxy[];
  try {
    existing = Object.values(await new Toxiproxy(url).getAll());
  } catch (error) {
    return `the fault proxy at ${url} does not answer (${messageOf(error)})`;
  }
  for (const proxy of wanted) {
    const same = existing.find((p) => p.name === proxy.name && p.listen === proxy.listen);
    const holder = same ? undefined : portHolder(existing, proxy);
    if (holder)
      return `cannot create proxy ${proxy.name} on ${proxy.listen} on the fault proxy at ${url}: ${holder}`;
  }
  return `populating the fault proxy at ${url} failed: ${messageOf(cause)}`;
}

interface ExistingProxy {
  name: string;
  listen: string;
  upstream: string;
}

/** Who holds the port `wanted` would listen on: another of the server's proxies, or a process. */
function portHolder(existing: ExistingProxy[], wanted: ProxyDescription): string | undefined {
  const { port } = parseAddress(wanted.listen);
  const holder = existing.find(
    (p) => p.name !== wanted.name && parseAddress(p.listen).port === port,
  );
  if (holder) {
    return `port ${port} is held by proxy ${holder.name}${madeFor(holder.name)}, to ${holder.upstream} (left by an earlier run? npm run env:down removes every proxy to this environment)`;
  }
  const program = listenerOf(port);
  return program ? `port ${port} is in use by ${program}` : undefined;
}
