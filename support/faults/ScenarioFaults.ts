import type { History } from "../../checker/History";
import type { AppServers } from "../../lab/AppServers";
import type { Environment } from "../../lab/Environment";
import type { FaultProxy } from "../../lab/FaultProxy";
import { Nemesis } from "../../lab/Nemesis";
import type { Fault, FaultTools } from "./catalog";

/**
 * One scenario's faults: each started and healed by its catalog entry, recorded in the history
 * under its words, and all healed at the end (killed nodes restarted even when the fault proxy
 * cannot be reached). App servers' faults go through a Nemesis over the scenario's servers.
 */
export class ScenarioFaults {
  private nemesis: Nemesis | undefined;
  private readonly killedNodes: number[] = [];
  private readonly started: Fault[] = [];

  constructor(
    private readonly env: Environment,
    private readonly proxies: FaultProxy | undefined,
    private readonly history: History,
    /** The cache key of a user's session, to find the node that serves it. */
    private readonly keyOf: (user: string) => string,
    private readonly primaryPortOf: (key: string) => Promise<number>,
    /** Tells every tool that attaches (and env:down) that a node runs under a new pid. */
    private readonly onNodeRestarted: () => void,
  ) {}

  /** Faults of app servers act on these from now on. */
  useServers(servers: AppServers): void {
    this.nemesis = new Nemesis(this.env, servers, { onNodeRestarted: this.onNodeRestarted });
  }

  /** Nodes a fault killed and has not restarted yet. */
  get killed(): readonly number[] {
    return this.killedNodes;
  }

  async start(fault: Fault): Promise<void> {
    this.history.fault(fault.words, "start", { class: fault.class ?? fault.words });
    this.started.push(fault);
    await fault.start(this.tools);
  }

  async heal(fault: Fault): Promise<void> {
    await fault.heal(this.tools);
    this.started.splice(this.started.indexOf(fault), 1);
    this.history.fault(fault.words, "heal", { class: fault.class ?? fault.words });
  }

  /** Every fault healed: those started here, then every proxy and killed node, whatever is left. */
  async healAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const fault of [...this.started].reverse()) {
      await this.heal(fault).catch((error: unknown) => failures.push(error));
    }
    try {
      await this.nemesis?.healAll();
      await this.proxies?.healAll();
    } finally {
      // Even when the proxy cannot be reached, a killed node must come back for the next scenario.
      await this.restartKilledNodes();
    }
    if (failures.length > 0) throw failures[0];
  }

  private get tools(): FaultTools {
    return {
      proxies: () => {
        if (!this.proxies) throw new Error("this environment has no fault proxy (toxiproxy)");
        return this.proxies;
      },
      nemesis: () => {
        if (!this.nemesis)
          throw new Error('this fault needs app servers: start them with "Given two app servers"');
        return this.nemesis;
      },
      keyOf: this.keyOf,
      losePrimaryOf: (user) => this.losePrimaryOf(user),
      restartKilledNodes: () => this.restartKilledNodes(),
    };
  }

  private async losePrimaryOf(user: string): Promise<void> {
    if (!this.env.killNode) throw new Error("this environment cannot kill a Valkey node");
    const port = await this.primaryPortOf(this.keyOf(user));
    this.killedNodes.push(port);
    await this.env.killNode(port);
  }

  private async restartKilledNodes(): Promise<void> {
    while (this.killedNodes.length > 0) {
      const port = this.killedNodes.pop() as number;
      await this.env.restartNode?.(port);
      this.onNodeRestarted();
    }
  }
}
