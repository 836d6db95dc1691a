import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { eventually } from "../common/eventually";
import { messageOf } from "../common/messageOf";
import { CONFIG_VARIABLES, type LogLevel } from "../service/config";
import type { EnvironmentDescription } from "./Environment";
import { LEASE_MS } from "./faultClasses";
import { ProxySet } from "./ProxySet";
import { isListening, listenerOf, tail } from "./processes";

const ROOT = resolve(__dirname, "..");
const SERVE_SCRIPT = join(ROOT, "scripts", "serve.ts");

export interface AppServersOptions {
  /** One app server per name, e.g. ["a", "b", "c"] (lowercase: they name the proxies too). */
  names: string[];
  /** Key prefix every server's store uses: all share it, so they share sessions. */
  keyPrefix: string;
  /** The Toxiproxy API each server's own proxies are made on. */
  toxiproxyUrl: string;
  /** Folder for each server's env file and log (`app-<name>.json`, `app-<name>.log`). */
  workDir: string;
  /** Port of the first server; the i-th listens on portBase + i. Default: 23000. */
  portBase?: number;
  /** First proxy port; the i-th server's proxies start at proxyPortBase + 10 * i. Default: 24000. */
  proxyPortBase?: number;
  /** Milliseconds each named server's clock runs ahead (negative: behind). Default: none. */
  clockOffsetsMs?: Record<string, number>;
  /** Merged into each server's store configuration (plain JSON), e.g. `{ defaultTtlSeconds: 60 }`. */
  storeOverrides?: Record<string, unknown>;
  /** Request log level of every server. Default: "warn" (a request log costs CPU on 2 cores). */
  logLevel?: LogLevel;
  /** Milliseconds a server may take from spawn to answering /health. Default: 30000. */
  startTimeoutMs?: number;
}

/** Ports between two servers' proxy ranges: room for six nodes and DynamoDB, in round numbers. */
const PROXY_PORT_STRIDE = 10;

/** How a server process is started: everything but the clock offset is fixed at creation. */
interface Launch {
  port: number;
  envFile: string;
  logFile: string;
  logLevel: LogLevel;
  startTimeoutMs: number;
}

/**
 * One session service process (`node -r ts-node/register scripts/serve.ts`) on its own proxies.
 * Its store reaches the cluster and the table only through `proxies`, so faults there are its own.
 */
export class AppServer {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly proxies: ProxySet,
    private readonly launch: Launch,
    private clockOffsetMs: number,
  ) {
    this.url = `http://127.0.0.1:${launch.port}`;
  }

  /** Spawns the process and waits until /health answers (any status: a fault may be on). */
  async start(): Promise<void> {
    if (this.running()) throw new Error(`app server ${this.name} is already running`);
    if (await isListening("127.0.0.1", this.launch.port)) {
      const holder = listenerOf(this.launch.port) ?? "another program";
      throw new Error(
        `app server ${this.name} cannot listen on port ${this.launch.port}: it is in use by ${holder}`,
      );
    }
    const log = openSync(this.launch.logFile, "a");
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Only what is set here configures the server, whatever the caller's environment holds.
    for (const variable of CONFIG_VARIABLES) delete env[variable];
    Object.assign(env, {
      HOST: "127.0.0.1",
      PORT: String(this.launch.port),
      HSS_ENV_FILE: this.launch.envFile,
      HSS_LOG_LEVEL: this.launch.logLevel,
      HSS_CLOCK_OFFSET_MS: String(this.clockOffsetMs),
      TS_NODE_TRANSPILE_ONLY: "true",
    });
    const child = spawn(process.execPath, ["-r", "ts-node/register", SERVE_SCRIPT], {
      cwd: ROOT,
      env,
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((done) => child.once("exit", () => done()));
    await new Promise<void>((ok, fail) => {
      child.once("spawn", ok);
      child.once("error", (e) => fail(new Error(`app server ${this.name}: ${e.message}`)));
    });
    const answered = await eventually(
      async () => {
        if (!this.running()) return false;
        await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) });
        return true;
      },
      {
        timeoutMs: this.launch.startTimeoutMs,
        intervalMs: 50,
        what: `app server ${this.name} to answer on ${this.url}/health`,
      },
    ).catch((error: unknown) => {
      throw new Error(`${messageOf(error)}; its log ends:\n${tail(this.launch.logFile)}`);
    });
    if (!answered) {
      throw new Error(
        `app server ${this.name} exited while starting; its log ends:\n${tail(this.launch.logFile)}`,
      );
    }
  }

  /** True while the process runs. */
  running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** SIGKILL: the server dies at once, mid-request; resolves once it has exited. */
  async kill(): Promise<void> {
    if (this.running()) this.child?.kill("SIGKILL");
    await this.exited;
  }

  /** Kills the server if it runs and starts it again: same port, same proxies, same config. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** Restarts the server with its clock `ms` milliseconds ahead (negative: behind). */
  async setClockOffset(ms: number): Promise<void> {
    this.clockOffsetMs = ms;
    await this.restart();
  }
}

/** K session service processes on one cluster and one table, each on its own proxies. */
export class AppServers {
  private constructor(readonly servers: readonly AppServer[]) {}

  /**
   * Makes each server's proxies, then starts every server at once and waits for each /health.
   * If any fails, everything already made is stopped and removed before the error is thrown.
   */
  static async start(env: EnvironmentDescription, o: AppServersOptions): Promise<AppServers> {
    if (o.names.length === 0) throw new Error("AppServers needs at least one name");
    if (new Set(o.names).size !== o.names.length)
      throw new Error(`app server names repeat: ${o.names.join(", ")}`);
    const portBase = o.portBase ?? 23000;
    const proxyPortBase = o.proxyPortBase ?? 24000;
    const made = await Promise.allSettled(
      o.names.map((client, i) =>
        ProxySet.create(env, {
          client,
          toxiproxyUrl: o.toxiproxyUrl,
          portBase: proxyPortBase + PROXY_PORT_STRIDE * i,
        }),
      ),
    );
    const proxySets = made.flatMap((m) => (m.status === "fulfilled" ? [m.value] : []));
    const failed = made.find((m): m is PromiseRejectedResult => m.status === "rejected");
    if (failed) {
      await Promise.allSettled(proxySets.map((set) => set.remove()));
      throw failed.reason;
    }
    const servers = o.names.map((name, i) => {
      const proxies = proxySets[i] as ProxySet;
      const envFile = join(o.workDir, `app-${name}.json`);
      // The lab's lease, so that a bound the checker allows is seconds, not the default's half minute.
      const lease = { cacheLeaseMs: LEASE_MS };
      const storeConfig = {
        ...proxies.storeConfig,
        ...lease,
        ...o.storeOverrides,
        keyPrefix: o.keyPrefix,
      };
      writeFileSync(envFile, `${JSON.stringify({ kind: "app-server", storeConfig }, null, 2)}\n`);
      const launch: Launch = {
        port: portBase + i,
        envFile,
        logFile: join(o.workDir, `app-${name}.log`),
        logLevel: o.logLevel ?? "warn",
        startTimeoutMs: o.startTimeoutMs ?? 30_000,
      };
      return new AppServer(name, proxies, launch, o.clockOffsetsMs?.[name] ?? 0);
    });
    const all = new AppServers(servers);
    const started = await Promise.allSettled(servers.map((s) => s.start()));
    const broken = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (broken) {
      await all.stop().catch(() => undefined);
      throw broken.reason;
    }
    return all;
  }

  /** The server of that name. */
  get(name: string): AppServer {
    const server = this.servers.find((s) => s.name === name);
    if (!server) {
      throw new Error(
        `no app server "${name}" (there are ${this.servers.map((s) => s.name).join(", ")})`,
      );
    }
    return server;
  }

  /** Kills every process and removes every proxy this made, whatever fails on the way. */
  async stop(): Promise<void> {
    const killed = await Promise.allSettled(this.servers.map((s) => s.kill()));
    const removed = await Promise.allSettled(this.servers.map((s) => s.proxies.remove()));
    const errors = [...killed, ...removed].flatMap((r) =>
      r.status === "rejected" ? [r.reason] : [],
    );
    if (errors.length > 0) {
      throw new AggregateError(
        errors,
        `stopping the app servers: ${errors.map((e) => messageOf(e)).join("; ")}`,
      );
    }
  }
}
