import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { eventually } from "../common/eventually";
import { clusterNodes, respCommand } from "../probe/resp";
import type { ValkeyNodeDescription } from "./Environment";
import { isListening, isRunning, startServer, tail } from "./processes";

const run = promisify(execFile);
export const VALKEY_MARKER = "valkey-server";

export interface ValkeyClusterOptions {
  host: string;
  /** The host each node gives its clients for itself (cluster-announce-client-ipv4), if not `host`. */
  announcedHost?: string;
  /** Six client ports; each node's cluster bus listens on port + 10000. */
  ports: number[];
  /** Each node keeps its files in `<workDir>/valkey-<port>`. */
  workDir: string;
  /** Milliseconds before an unreachable primary is failed over. */
  nodeTimeoutMs: number;
}

/** `valkey-server --version` as "8.0.1". */
export async function valkeyVersion(): Promise<string> {
  const { stdout } = await run("valkey-server", ["--version"]);
  return /v=([\d.]+)/.exec(stdout)?.[1] ?? "unknown";
}

/**
 * Starts six nodes (persistence off), joins them as 3 primaries + 3 replicas and waits until every
 * node reports the cluster ok with all slots covered and every replica in sync.
 */
export async function startValkeyCluster(
  options: ValkeyClusterOptions,
  onStarted: (node: { port: number; pid: number }) => void,
): Promise<ValkeyNodeDescription[]> {
  const { host, ports, workDir } = options;
  for (const port of ports.flatMap((p) => [p, p + 10000])) {
    if (await isListening(host, port)) {
      throw new Error(
        `port ${port} on ${host} is already in use: is another environment running? (npm run env:status)`,
      );
    }
  }
  const pids = new Map<number, number>();
  for (const port of ports) {
    // Announced only once the cluster is made: valkey-cli joins the nodes by their real address.
    const pid = await startValkeyNode({ ...options, announcedHost: undefined }, port);
    pids.set(port, pid);
    onStarted({ port, pid });
  }
  for (const port of ports) {
    const proc = { pid: pids.get(port) as number, marker: VALKEY_MARKER };
    await eventually(
      async () => {
        if (!isRunning(proc)) {
          throw new Error(
            `valkey-server on port ${port} exited:\n${tail(join(workDir, `valkey-${port}`, "valkey.log"))}`,
          );
        }
        await respCommand(host, port, ["PING"]);
      },
      { timeoutMs: 10_000, what: `valkey-server on port ${port} to answer` },
    );
  }
  await run(
    "valkey-cli",
    [
      "--cluster",
      "create",
      ...ports.map((p) => `${host}:${p}`),
      "--cluster-replicas",
      "1",
      "--cluster-yes",
    ],
    { timeout: 30_000 },
  );
  await eventually(() => assertClusterReady(host, ports), {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: "the Valkey cluster to be ok with 3 primaries and 3 synced replicas",
  });
  if (options.announcedHost) await announceClientHost(host, ports, options.announcedHost);
  const nodes = await clusterNodes(host, ports[0] as number);
  return nodes.map(({ port, role }) => ({ host, port, role, pid: pids.get(port) }));
}

/**
 * Makes every node name itself to clients by `announcedHost`, and waits until every node names
 * every node so in CLUSTER SLOTS, the map a client routes (and follows MOVED) by.
 */
async function announceClientHost(host: string, ports: number[], announcedHost: string) {
  for (const port of ports) {
    await respCommand(host, port, ["CONFIG", "SET", "cluster-announce-client-ipv4", announcedHost]);
  }
  await eventually(
    async () => {
      for (const port of ports) {
        const slots = (await respCommand(host, port, ["CLUSTER", "SLOTS"])) as unknown[][];
        const hosts = new Set(
          slots.flatMap((range) => range.slice(2).map((n) => String((n as unknown[])[0]))),
        );
        if (hosts.size !== 1 || !hosts.has(announcedHost)) {
          throw new Error(`node ${port} names nodes by ${[...hosts].join(", ")}`);
        }
      }
    },
    {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: `every node to name every node by ${announcedHost}`,
    },
  );
}

/**
 * Starts one node of the cluster in `<workDir>/valkey-<port>`. A node started again in the same
 * folder finds its nodes.conf and rejoins the cluster it belonged to.
 */
export async function startValkeyNode(
  options: ValkeyClusterOptions,
  port: number,
): Promise<number> {
  const dir = join(options.workDir, `valkey-${port}`);
  mkdirSync(dir, { recursive: true });
  return startServer(
    "valkey-server",
    [
      "--bind",
      options.host,
      "--port",
      String(port),
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      "nodes.conf",
      "--cluster-node-timeout",
      String(options.nodeTimeoutMs),
      ...(options.announcedHost ? ["--cluster-announce-client-ipv4", options.announcedHost] : []),
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    { cwd: dir, logFile: join(dir, "valkey.log") },
  );
}

/** Waits (with a deadline) until `assertClusterReady` passes, naming what was awaited. */
export async function awaitClusterReady(
  host: string,
  ports: number[],
  what: string,
): Promise<void> {
  await eventually(() => assertClusterReady(host, ports), {
    timeoutMs: 30_000,
    intervalMs: 100,
    what,
  });
}

/** Throws unless every node sees all slots served and each replica's link to its primary is up. */
export async function assertClusterReady(host: string, ports: number[]): Promise<void> {
  for (const port of ports) {
    const info = String(await respCommand(host, port, ["CLUSTER", "INFO"]));
    if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) {
      throw new Error(`node ${port} does not report the cluster ok`);
    }
  }
  const nodes = await clusterNodes(host, ports[0] as number);
  const primaries = nodes.filter((n) => n.role === "primary");
  if (primaries.length !== 3 || nodes.length !== ports.length) {
    throw new Error(`expected 3 primaries among ${ports.length} nodes, found ${primaries.length}`);
  }
  for (const replica of nodes.filter((n) => n.role === "replica")) {
    const info = String(await respCommand(host, replica.port, ["INFO", "replication"]));
    if (!/master_link_status:up/.test(info))
      throw new Error(`replica ${replica.port} is not in sync`);
  }
}
