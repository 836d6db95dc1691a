import type { HybridSessionStoreConfig, NodeAddress } from "../store";
import type { ToxiproxyDescription } from "./FaultProxy";

/** A Valkey node of the running environment, as the cluster reports it. */
export interface ValkeyNodeDescription extends NodeAddress {
  role: "primary" | "replica";
  /** Process id, when this environment started the node. */
  pid?: number;
}

/**
 * What a running environment is, as plain JSON: written to `.local-env.json` by `npm run env:up`
 * so that other tools (and later runs) can attach to it.
 */
export interface EnvironmentDescription {
  /** Which implementation made it: "local" starts servers here; "aws" attaches to a stack. */
  kind: string;
  valkey: {
    seeds: NodeAddress[];
    nodes: ValkeyNodeDescription[];
    version: string;
    /** Milliseconds before the cluster fails over an unreachable primary. */
    nodeTimeoutMs?: number;
    /**
     * The host the nodes give their clients for themselves (CLUSTER SLOTS, MOVED), when it is not
     * `nodes[].host`: the local environment's fault proxies listen there, on each node's port.
     */
    announcedHost?: string;
  };
  dynamodb: {
    endpoint?: string;
    region: string;
    table: string;
    version: string;
    pid?: number;
  };
  /** The fault proxy in front of every Valkey node and DynamoDB, when the environment has one. */
  toxiproxy?: ToxiproxyDescription;
  /** Accepted as it is by `HybridSessionStore.connect`; routes every connection through the proxies. */
  storeConfig: HybridSessionStoreConfig;
  /** Directory holding the environment's data and logs, removed when it stops. */
  workDir?: string;
  startedAt: string;
}

/** The world around the store: the servers a run talks to, however they came to exist. */
export interface Environment {
  readonly description: EnvironmentDescription;
  /** Resolves when every server answers; rejects with one clear sentence naming what does not. */
  checkHealth(): Promise<void>;
  /** Stops what this environment started (nothing, for one it attached to). */
  stop(): Promise<void>;
  /** Kills the Valkey node listening on `port` outright (SIGKILL), where the environment can. */
  killNode?(port: number): Promise<void>;
  /** Starts a killed node again; it rejoins its cluster as a replica. */
  restartNode?(port: number): Promise<void>;
  /** Freezes the node's process (SIGSTOP): its connections stay open and nothing is answered. */
  pauseNode?(port: number): Promise<void>;
  /** Thaws a paused node (SIGCONT) and waits until the cluster is healthy again. */
  resumeNode?(port: number): Promise<void>;
  /** Kills the node and starts it again at once with no data; waits until the cluster is healthy. */
  restartNodeEmpty?(port: number): Promise<void>;
  /** Empties the cache: FLUSHALL on every primary, straight to the nodes (not through a proxy). */
  flushCache?(): Promise<void>;
}
