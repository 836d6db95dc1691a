import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppServers } from "../../lab/AppServers";
import type { EnvironmentDescription } from "../../lab/Environment";
import { ServiceClient } from "../../lab/ServiceClient";
import type { SessionCalls } from "./SessionDriver";

/** A scenario's app servers (A, B, ...), each reached by a client of its HTTP service. */
export class ScenarioServers {
  private readonly clients = new Map<string, ServiceClient>();

  constructor(
    private readonly env: EnvironmentDescription,
    /** The scenario's key namespace, which every server's store uses. */
    private readonly keyPrefix: string,
  ) {}

  /** True once servers run. */
  get started(): boolean {
    return this.clients.size > 0;
  }

  /**
   * Starts `count` session service processes on the environment's cluster and table, each on its
   * own proxies; `onStop` receives what stops them and removes their proxies and files.
   */
  async start(count: number, onStop: (stop: () => Promise<void>) => void): Promise<AppServers> {
    const url = this.env.toxiproxy?.url;
    if (!url) throw new Error("app servers need the environment's fault proxy");
    const workDir = mkdtempSync(join(tmpdir(), "hss-servers-"));
    const names = Array.from({ length: count }, (_, i) => String.fromCharCode(97 + i));
    const servers = await AppServers.start(this.env, {
      names,
      keyPrefix: this.keyPrefix,
      toxiproxyUrl: url,
      workDir,
    });
    onStop(async () => {
      await servers.stop();
      rmSync(workDir, { recursive: true, force: true });
    });
    for (const s of servers.servers)
      this.clients.set(s.name.toUpperCase(), new ServiceClient(s.url));
    return servers;
  }

  /** App server `name`'s HTTP service ("A", "B", ...). */
  client(name: string): SessionCalls {
    const client = this.clients.get(name);
    if (!client) throw new Error(`no app server ${name} runs in this scenario`);
    return client;
  }
}
