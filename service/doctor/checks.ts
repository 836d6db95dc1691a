/**
 * The doctor's checks: can this machine reach everything the store and the suite need, and is
 * each of them in the state they expect? Every check has its own deadline and ends in one status.
 */
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { withDeadline } from "../../common/withDeadline";
import { clusterNodes, respCommand } from "../../probe/resp";
import { describeTtl, ttlProblem } from "../../probe/ttl";
import { type NodeAddress, parseAddress, SESSION_TABLE } from "../../store";
import { resolveConfig } from "../../store/config";
import type { StoreTarget } from "../config";

export type CheckStatus = "ok" | "FAIL" | "skip";

export interface CheckResult {
  status: CheckStatus;
  /** What was checked, e.g. "valkey node 127.0.0.1:7001". */
  name: string;
  /** What was found: a measurement when ok, the reason when not. */
  detail: string;
}

export interface DoctorOptions {
  /** Deadline of each check in milliseconds. Default: 2000. */
  checkTimeoutMs?: number;
  /** Primaries the cluster must have. Default: 3. */
  primaries?: number;
  /** Replicas the cluster must have. Default: 3. */
  replicas?: number;
  /** Largest clock difference between this machine and Valkey, in milliseconds. Default: 1000. */
  maxClockSkewMs?: number;
}

const TOTAL_SLOTS = 16384;

const reason = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  if (error instanceof Error) {
    const cause = error.cause === undefined ? "" : ` (${reason(error.cause)})`;
    return `${error.message || error.name}${cause}`;
  }
  return String(error);
};

const address = (n: NodeAddress): string => `${n.host}:${n.port}`;

/** Runs one check under its deadline; a throw or a missed deadline is a FAIL with the reason. */
async function check(
  name: string,
  timeoutMs: number,
  run: () => Promise<string>,
): Promise<CheckResult> {
  try {
    return { status: "ok", name, detail: await withDeadline(run(), timeoutMs, name) };
  } catch (error) {
    return { status: "FAIL", name, detail: reason(error) };
  }
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

interface Discovery {
  /** The first node that answered, used for cluster-wide questions. */
  seed?: NodeAddress;
  /** The cluster's nodes: those the env file lists and every node the cluster reports. */
  nodes: NodeAddress[];
  roles: Map<string, "primary" | "replica">;
  /**
   * The store's seeds that are not themselves a node of the list above: a fault proxy
   * (storeConfig's addressMap names the node behind it) or a configuration endpoint.
   */
  seeds: { seed: NodeAddress; behind?: string }[];
  error?: string;
}

/** The nodes to check: those the env file lists, the seeds, and every node the cluster reports. */
async function discover(target: StoreTarget, timeoutMs: number): Promise<Discovery> {
  // A lab cluster names its nodes to clients by their fault proxies' host: check them where they are.
  const realAddressOf = (n: NodeAddress): NodeAddress =>
    n.host === target.valkeyAnnouncedHost
      ? (target.valkeyNodes?.find((real) => real.port === n.port) ?? n)
      : { host: n.host, port: n.port };
  const behind = new Map<string, string>();
  for (const [node, proxy] of Object.entries(target.storeConfig.valkey.addressMap ?? {}))
    behind.set(proxy, address(realAddressOf(parseAddress(node))));
  for (const seed of target.storeConfig.valkey.addresses) {
    const real = realAddressOf(seed);
    if (address(real) !== address(seed)) behind.set(address(seed), address(real));
  }
  const known = new Map<string, NodeAddress>();
  for (const n of target.valkeyNodes ?? []) known.set(address(n), { host: n.host, port: n.port });
  const roles = new Map<string, "primary" | "replica">();
  const seedsBesides = (): Discovery["seeds"] =>
    target.storeConfig.valkey.addresses
      .filter((seed) => !known.has(address(seed)))
      .map((seed) => ({ seed, behind: behind.get(address(seed)) }));
  const errors: string[] = [];
  for (const seed of target.storeConfig.valkey.addresses) {
    try {
      const nodes = await withDeadline(
        clusterNodes(seed.host, seed.port),
        timeoutMs,
        `CLUSTER NODES on ${address(seed)}`,
      );
      for (const reported of nodes) {
        const n = realAddressOf(reported);
        known.set(address(n), n);
        roles.set(address(n), reported.role);
      }
      return { seed, nodes: [...known.values()], roles, seeds: seedsBesides() };
    } catch (error) {
      errors.push(`${address(seed)}: ${reason(error)}`);
    }
  }
  return {
    nodes: [...known.values()],
    roles,
    seeds: seedsBesides(),
    error: `no seed answers (${errors.join("; ")})`,
  };
}

function valkeyChecks(
  found: Discovery,
  timeoutMs: number,
  options: Required<DoctorOptions>,
): Promise<CheckResult>[] {
  const ping = (name: string, n: NodeAddress, describe: () => string) =>
    check(name, timeoutMs, async () => {
      const started = performance.now();
      const pong = await respCommand(n.host, n.port, ["PING"], timeoutMs);
      if (pong !== "PONG") throw new Error(`answered ${JSON.stringify(pong)} to PING`);
      return `PONG in ${(performance.now() - started).toFixed(1)} ms (${describe()})`;
    });
  const roleOf = (node: string) =>
    found.roles.get(node) ?? "not in the cluster's healthy node list";
  const nodeChecks = [
    ...found.nodes.map((n) =>
      ping(`valkey node ${address(n)} reachable`, n, () => roleOf(address(n))),
    ),
    ...found.seeds.map(({ seed, behind }) =>
      ping(`valkey seed ${address(seed)} reachable`, seed, () =>
        behind === undefined
          ? "the store's seed, e.g. a configuration endpoint"
          : `fault proxy for ${behind}, ${roleOf(behind)}`,
      ),
    ),
  ];
  const seed = found.seed;
  const unreachable = async (): Promise<string> => {
    throw new Error(found.error ?? "no Valkey node answers");
  };
  const state = check(`valkey cluster state ok, all ${TOTAL_SLOTS} slots`, timeoutMs, async () => {
    if (!seed) return unreachable();
    const statuses = await Promise.all(
      found.nodes.map(async (n) => {
        const info = String(await respCommand(n.host, n.port, ["CLUSTER", "INFO"], timeoutMs));
        const state = infoField(info, "cluster_state");
        const slotsOk = Number(infoField(info, "cluster_slots_ok"));
        return state === "ok" && slotsOk === TOTAL_SLOTS
          ? undefined
          : `${address(n)} reports cluster_state:${state} with ${slotsOk}/${TOTAL_SLOTS} slots ok`;
      }),
    );
    const bad = statuses.filter((v) => v !== undefined);
    if (bad.length > 0) throw new Error(bad.join("; "));
    return `${found.nodes.length} nodes report cluster_state:ok, ${TOTAL_SLOTS}/${TOTAL_SLOTS} slots ok`;
  });
  const topology = check(
    `valkey ${options.primaries} primaries and ${options.replicas} replicas`,
    timeoutMs,
    async () => {
      if (!seed) return unreachable();
      const nodes = await clusterNodes(seed.host, seed.port);
      const primaries = nodes.filter((n) => n.role === "primary").length;
      const replicas = nodes.length - primaries;
      const found = `${primaries} primaries and ${replicas} replicas (healthy, as ${address(seed)} sees them)`;
      if (primaries !== options.primaries || replicas !== options.replicas)
        throw new Error(`found ${found}`);
      return found;
    },
  );
  const clock = check(
    `clock skew against valkey under ${options.maxClockSkewMs} ms`,
    timeoutMs,
    async () => {
      if (!seed) return unreachable();
      const before = Date.now();
      const reply = await respCommand(seed.host, seed.port, ["TIME"], timeoutMs);
      const after = Date.now();
      if (!Array.isArray(reply) || reply.length !== 2) throw new Error("TIME gave no time");
      const valkeyMs = Number(reply[0]) * 1000 + Number(reply[1]) / 1000;
      const skew = valkeyMs - (before + after) / 2;
      const text = `${Math.abs(skew).toFixed(1)} ms (${address(seed)} is ${skew >= 0 ? "ahead" : "behind"}; round trip ${after - before} ms)`;
      if (Math.abs(skew) >= options.maxClockSkewMs) throw new Error(`skew is ${text}`);
      return text;
    },
  );
  return [...nodeChecks, state, topology, clock];
}

function dynamoChecks(target: StoreTarget, timeoutMs: number): Promise<CheckResult>[] {
  const config = resolveConfig(target.storeConfig);
  const { region, endpoint, credentials } = config.dynamodb;
  const table = config.tableName;
  const where = endpoint ?? `region ${region}`;
  const client = new DynamoDBClient({
    region,
    maxAttempts: 1,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  const describe = client
    .send(new DescribeTableCommand({ TableName: table }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    })
    .then(
      (out) => ({ table: out.Table }),
      (error: unknown) =>
        error instanceof ResourceNotFoundException ? { table: undefined } : Promise.reject(error),
    );
  const answered = check(`dynamodb reachable at ${where}`, timeoutMs, async () => {
    const started = performance.now();
    await describe;
    return `answered DescribeTable in ${(performance.now() - started).toFixed(1)} ms`;
  });
  const present = check(`dynamodb table ${table} present`, timeoutMs, async () => {
    const { table: found } = await describe;
    if (!found) throw new Error(`no table ${table} at ${where}`);
    if (found.TableStatus !== "ACTIVE") throw new Error(`table is ${found.TableStatus}`);
    return `ACTIVE, ${found.ItemCount ?? 0} items`;
  });
  const ttl = check(
    `dynamodb TTL enabled on ${table}.${SESSION_TABLE.ttlAttribute}`,
    timeoutMs,
    async () => {
      const { table: found } = await describe;
      if (!found) throw new Error(`no table ${table} at ${where}`);
      const { TimeToLiveDescription: d } = await client.send(
        new DescribeTimeToLiveCommand({ TableName: table }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
      const problem = ttlProblem(d, SESSION_TABLE.ttlAttribute);
      if (problem !== undefined || d === undefined) throw new Error(problem);
      return describeTtl(d, SESSION_TABLE.ttlAttribute);
    },
  );
  const all = [answered, present, ttl];
  void Promise.allSettled(all).then(() => client.destroy());
  return all;
}

function toxiproxyCheck(url: string | undefined, timeoutMs: number): Promise<CheckResult> {
  if (!url) {
    return Promise.resolve({
      status: "skip",
      name: "fault proxy reachable",
      detail: "none configured (TOXIPROXY_URL, or toxiproxy.url in the env file)",
    });
  }
  return check(`fault proxy reachable at ${url}`, timeoutMs, async () => {
    const res = await fetch(new URL("/version", url), { signal: AbortSignal.timeout(timeoutMs) });
    const text = (await res.text()).trim();
    if (!res.ok) throw new Error(`GET /version answered ${res.status}`);
    return `version ${text.slice(0, 60)}`;
  });
}

/** Every check, in a fixed order; they run at once, each under its own deadline. */
export async function runChecks(
  target: StoreTarget,
  options: DoctorOptions = {},
): Promise<CheckResult[]> {
  const resolved: Required<DoctorOptions> = {
    checkTimeoutMs: 2000,
    primaries: 3,
    replicas: 3,
    maxClockSkewMs: 1000,
    ...options,
  };
  const timeoutMs = resolved.checkTimeoutMs;
  const found = await discover(target, timeoutMs);
  // Valkey first, on its own: the DynamoDB client's first request keeps the event loop busy for
  // tens of milliseconds, which would show up in every PING time measured alongside it.
  const valkey = await Promise.all(valkeyChecks(found, timeoutMs, resolved));
  const others = await Promise.all([
    ...dynamoChecks(target, timeoutMs),
    toxiproxyCheck(target.toxiproxyUrl, timeoutMs),
  ]);
  return [...valkey, ...others];
}

/** One line per check: the status, what was checked, then what was found. */
export function formatResult({ status, name, detail }: CheckResult): string {
  return `${status.padEnd(4)}  ${name}: ${detail}`;
}

/** Non-zero when any check failed. */
export const exitCodeOf = (results: CheckResult[]): number =>
  results.some((r) => r.status === "FAIL") ? 1 : 0;
