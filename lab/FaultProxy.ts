import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { Toxiproxy } from "toxiproxy-node-client";
import { eventually } from "../common/eventually";
import { parseAddress } from "../store";
import { isListening, isRunning, startServer, tail } from "./processes";

export const TOXIPROXY_MARKER = "toxiproxy-server";

/** One proxy between the store and a server, as `.local-env.json` describes it. */
export interface ProxyDescription {
  name: string;
  /** host:port the store connects to. */
  listen: string;
  /** host:port of the real server. */
  upstream: string;
  store: "valkey" | "dynamodb";
}

export interface ToxiproxyDescription {
  url: string;
  version: string;
  /** "embedded" (this project's TypeScript server), "toxiproxy-server" (the real one), or "external". */
  server: "embedded" | "toxiproxy-server" | "external";
  pid?: number;
  proxies: ProxyDescription[];
}

export interface FaultProxyOptions {
  host: string;
  /** API port. Default Toxiproxy's: 8474. */
  apiPort: number;
  /** A running Toxiproxy to use instead of starting one (TOXIPROXY_URL). */
  url?: string;
  /** The embedded server's entry point (scripts/toxiproxy-server.ts). */
  embeddedScript: string;
  workDir: string;
  proxies: ProxyDescription[];
}

/** The real toxiproxy-server if it is on PATH. */
function realServerOnPath(): string | undefined {
  try {
    return (
      execFileSync("sh", ["-c", "command -v toxiproxy-server"], { encoding: "utf8" }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * Brings up the fault proxy (an external one, the real toxiproxy-server, or the embedded one, in
 * that order of preference) and makes it hold exactly the given proxies, all enabled, no toxics.
 */
export async function startFaultProxy(
  options: FaultProxyOptions,
  onStarted: (pid: number) => void,
): Promise<ToxiproxyDescription> {
  let url = options.url;
  let server: ToxiproxyDescription["server"] = "external";
  let pid: number | undefined;
  if (!url) {
    const { host, apiPort, workDir } = options;
    if (await isListening(host, apiPort)) {
      throw new Error(
        `port ${apiPort} on ${host} is already in use: is another environment running? (npm run env:status)`,
      );
    }
    const real = realServerOnPath();
    const logFile = join(workDir, "toxiproxy.log");
    pid = real
      ? await startServer(real, ["-host", host, "-port", String(apiPort)], {
          cwd: workDir,
          logFile,
        })
      : await startServer(
          process.execPath,
          [
            "-r",
            "ts-node/register",
            options.embeddedScript,
            "--host",
            host,
            "--port",
            String(apiPort),
          ],
          { cwd: join(options.embeddedScript, "..", ".."), logFile },
        );
    onStarted(pid);
    server = real ? "toxiproxy-server" : "embedded";
    url = `http://${host}:${apiPort}`;
    const proc = { pid, marker: TOXIPROXY_MARKER };
    await eventually(
      async () => {
        if (!isRunning(proc)) throw new Error(`the fault proxy exited:\n${tail(logFile)}`);
        if (!(await isListening(host, apiPort))) throw new Error("not listening yet");
      },
      { timeoutMs: 15_000, intervalMs: 100, what: "the fault proxy to listen" },
    );
  }
  const toxiproxy = new Toxiproxy(url);
  const version = versionOf(await toxiproxy.getVersion());
  await toxiproxy.populate(
    options.proxies.map(({ name, listen, upstream }) => ({
      name,
      listen,
      upstream,
      enabled: true,
    })),
  );
  await toxiproxy.reset();
  return { url, version, server, pid, proxies: options.proxies };
}

/** Toxiproxy answers GET /version with plain text in old releases and `{"version": ...}` since 2.6. */
export function versionOf(body: unknown): string {
  const text = typeof body === "string" ? body.trim() : JSON.stringify(body);
  try {
    const parsed = JSON.parse(text) as { version?: unknown };
    if (typeof parsed.version === "string") return parsed.version;
  } catch {
    // Plain text: the version itself.
  }
  return text;
}

/** The plain-data map that sends every connection to a node through that node's proxy. */
export function addressMapOf(proxies: ProxyDescription[]): Record<string, string> {
  return Object.fromEntries(
    proxies.filter((p) => p.store === "valkey").map((p) => [p.upstream, p.listen]),
  );
}

/**
 * Seed addresses for a store behind the proxies: the proxies' own addresses. GLIDE may reconnect
 * to a configured seed without asking its addressResolver (a CI run caught one such connection
 * going around the proxy), so the store is never given a real node address to begin with.
 */
export function proxiedSeeds(
  seeds: { host: string; port: number }[],
  proxies: ProxyDescription[],
): { host: string; port: number }[] {
  const map = addressMapOf(proxies);
  return seeds.map(({ host, port }) => {
    const listen = map[`${host}:${port}`];
    return listen ? parseAddress(listen) : { host, port };
  });
}
