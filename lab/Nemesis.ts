import { clusterNodes, respCommand } from "../probe/resp";
import type { AppServer, AppServers } from "./AppServers";
import type { Environment } from "./Environment";
import { FAULT_CLASS_INFO, type FaultClass } from "./faultClasses";

/** One fault to make: its class, what it targets, and what a class may need beyond that. */
export interface FaultSpec {
  class: FaultClass;
  /** An app server's name, "all" (every server's links), or "cluster" (node and data faults). */
  target: string;
  /** For clock-skew: the offset in milliseconds the target runs with meanwhile. */
  offsetMs?: number;
  /** For node faults: which primary (or replica), by port order. Default: 0. */
  node?: number;
  /** For node faults: the node serving this cache key instead (its primary, or that one's replica). */
  key?: string;
}

export interface NemesisOptions {
  /** Latency of a slow cache link, above the store's request timeout. Default: 1000 ms. */
  cacheSlowMs?: number;
  /** Latency of a slow DynamoDB link, above its request timeout. Default: 1500 ms. */
  dynamoDbSlowMs?: number;
  /** Called when a node has a new pid, so every tool that attaches can be told. */
  onNodeRestarted?: () => void;
}

/** What a started fault needs to heal it: the node it paused or killed, say. */
type Healer = () => Promise<void>;

/**
 * Makes and heals every class of fault (lab/faultClasses.ts) on a running environment and its app
 * servers: link faults through each server's own proxies, node faults on the cluster's processes,
 * server faults on the servers' processes. It only injects and heals; it never reads the store.
 */
export class Nemesis {
  private readonly healers = new Map<FaultSpec, Healer>();
  private readonly cacheSlowMs: number;
  private readonly dynamoDbSlowMs: number;

  constructor(
    private readonly env: Environment,
    private readonly servers: AppServers,
    private readonly options: NemesisOptions = {},
  ) {
    this.cacheSlowMs = options.cacheSlowMs ?? 1000;
    this.dynamoDbSlowMs = options.dynamoDbSlowMs ?? 1500;
  }

  /** Starts `fault`; `heal(fault)` undoes it. */
  async start(fault: FaultSpec): Promise<void> {
    if (this.healers.has(fault)) throw new Error(`${fault.class} on ${fault.target} is already on`);
    this.healers.set(fault, await this.make(fault));
  }

  async heal(fault: FaultSpec): Promise<void> {
    const healer = this.healers.get(fault);
    if (!healer) return;
    this.healers.delete(fault);
    await healer();
  }

  /** Every fault still on, healed, latest first; the first failure is rethrown after all ran. */
  async healAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const fault of [...this.healers.keys()].reverse()) {
      try {
        await this.heal(fault);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  private async make(fault: FaultSpec): Promise<Healer> {
    const info = FAULT_CLASS_INFO[fault.class];
    if (info.scope === "links") return this.linkFault(fault, info.store ?? "valkey");
    switch (fault.class) {
      case "primary-killed": {
        const port = await this.nodeOf("primary", fault.node, fault.key);
        await this.need("killNode")(port);
        return async () => {
          await this.need("restartNode")(port);
          this.options.onNodeRestarted?.();
        };
      }
      case "primary-paused":
      case "replica-paused": {
        const role = fault.class === "primary-paused" ? "primary" : "replica";
        const port = await this.nodeOf(role, fault.node, fault.key);
        await this.need("pauseNode")(port);
        return () => this.need("resumeNode")(port);
      }
      case "cache-data-lost": {
        // An odd node index restarts one replica without its data; otherwise the cache is flushed.
        if ((fault.node ?? 0) % 2 === 1) {
          const port = await this.nodeOf("replica", fault.node, fault.key);
          await this.need("restartNodeEmpty")(port);
          this.options.onNodeRestarted?.();
        } else {
          await this.need("flushCache")();
        }
        return async () => undefined;
      }
      case "app-server-killed": {
        const server = this.server(fault.target);
        await server.kill();
        return () => server.start();
      }
      case "clock-skew": {
        const server = this.server(fault.target);
        await server.setClockOffset(fault.offsetMs ?? 1000);
        return () => server.setClockOffset(0);
      }
      default:
        throw new Error(`the nemesis cannot make ${fault.class}`);
    }
  }

  private async linkFault(fault: FaultSpec, store: "valkey" | "dynamodb"): Promise<Healer> {
    const targets =
      fault.target === "all" ? [...this.servers.servers] : [this.server(fault.target)];
    const slowMs = store === "valkey" ? this.cacheSlowMs : this.dynamoDbSlowMs;
    await Promise.all(
      targets.map(({ proxies }) => {
        if (fault.class.endsWith("cut-off")) return proxies.cutOff(store);
        if (fault.class.endsWith("black-hole")) return proxies.blackHole(store);
        if (fault.class.endsWith("lost-answers")) return proxies.loseAnswers(store);
        return proxies.slow(store, slowMs);
      }),
    );
    return async () => {
      await Promise.all(targets.map(({ proxies }) => proxies.heal(store)));
    };
  }

  private server(name: string): AppServer {
    return this.servers.get(name);
  }

  /** The `index`-th node of that role by port (or the one serving `key`), as the cluster sees it now. */
  private async nodeOf(role: "primary" | "replica", index = 0, key?: string): Promise<number> {
    const known = this.env.description.valkey.nodes;
    for (const node of known) {
      try {
        if (key !== undefined) return await nodeServing(node.host, node.port, key, role);
        const nodes = (await clusterNodes(node.host, node.port)).filter((n) => n.role === role);
        const chosen = nodes[index % Math.max(1, nodes.length)];
        if (chosen) return chosen.port;
      } catch {
        // That node is down or paused: ask the next.
      }
    }
    throw new Error(`no node of the cluster names a ${role}`);
  }

  private need<
    K extends
      | "killNode"
      | "restartNode"
      | "pauseNode"
      | "resumeNode"
      | "flushCache"
      | "restartNodeEmpty",
  >(method: K): NonNullable<Environment[K]> {
    const fn = this.env[method];
    if (!fn) throw new Error(`this environment cannot ${method}: the fault needs a local cluster`);
    return fn.bind(this.env) as NonNullable<Environment[K]>;
  }
}

/** The primary serving `key`'s slot, or a replica of it, as one node sees the cluster. */
async function nodeServing(
  host: string,
  port: number,
  key: string,
  role: "primary" | "replica",
): Promise<number> {
  const slot = Number(await respCommand(host, port, ["CLUSTER", "KEYSLOT", key]));
  const nodes = await clusterNodes(host, port);
  const owner = nodes.find(
    (n) => n.role === "primary" && n.slots.some(([from, to]) => slot >= from && slot <= to),
  );
  if (!owner) throw new Error(`no primary serves slot ${slot}`);
  const chosen = role === "primary" ? owner : nodes.find((n) => n.primaryId === owner.id);
  if (!chosen) throw new Error(`no ${role} serves slot ${slot}`);
  return chosen.port;
}
