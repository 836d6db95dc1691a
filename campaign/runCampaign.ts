import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as pace } from "node:timers/promises";
import { type CheckOptions, checkHistory } from "../checker/checkHistory";
import { History } from "../checker/History";
import type { Verdict } from "../checker/Verdict";
import { messageOf } from "../common/messageOf";
import { AppServers } from "../lab/AppServers";
import type { Environment } from "../lab/Environment";
import { type FaultClass, LEASE_MS, MARGIN_MS, stalenessBounds } from "../lab/faultClasses";
import { Nemesis } from "../lab/Nemesis";
import { CacheObserver } from "../lab/observe/CacheObserver";
import { DurableObserver } from "../lab/observe/DurableObserver";
import { observeFinal, settled } from "../lab/observe/finalState";
import { observerDynamoClient } from "../lab/observe/observerDynamoClient";
import { ServiceClient } from "../lab/ServiceClient";
import { cacheKey, type Session } from "../store";
import { generateOperations, type PlannedOp } from "./generator";
import { type ScheduledFault, scheduleFaults } from "./nemesis";

export interface CampaignOptions {
  seed: number;
  /** Milliseconds of client operations (faults heal before the last tenth). */
  durationMs: number;
  /** App servers, each a process with its own proxies. */
  servers: number;
  /** Users making operations at once. Default: 10 per server. */
  users?: number;
  /** The fault classes to draw from. Default: every class. */
  classes?: readonly FaultClass[];
  /** A line for what happens (start, heal, settle). */
  log: (line: string) => void;
  /** The progress line, rewritten about once a second. */
  progress?: (line: string) => void;
  /** Called when the nemesis gave a cache node a new pid. */
  onNodeRestarted?: () => void;
}

export interface CampaignRun {
  options: CampaignOptions;
  serverNames: string[];
  plan: PlannedOp[];
  schedule: ScheduledFault[];
  history: History;
  verdict: Verdict;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt: number;
  /** What the checker was told the store promises, per fault class. */
  stalenessMs: Record<string, number>;
  /** The closing line: `campaign: seed N, K servers, N operations, N faults (N classes), N anomalies`. */
  line: string;
}

/** How long an operation's answer may take before it counts as unanswered (info). */
const CLIENT_TIMEOUT_MS = 8000;

/**
 * One campaign: K app servers on the running environment, the seeded plan of operations by many
 * users sent to any server, the seeded schedule of overlapping faults made by the nemesis; then
 * everything healed, the stores left to settle, both stores observed directly, and the merged
 * history judged by the checker.
 */
export async function runCampaign(
  env: Environment,
  options: CampaignOptions,
): Promise<CampaignRun> {
  const { seed, durationMs, log } = options;
  const serverNames = Array.from({ length: options.servers }, (_, i) =>
    String.fromCharCode(97 + i),
  );
  const users = options.users ?? 10 * options.servers;
  const plan = generateOperations({ seed, durationMs, servers: options.servers, users });
  const schedule = scheduleFaults({
    seed,
    durationMs,
    servers: serverNames,
    classes: options.classes,
  });
  const runTag = randomBytes(3).toString("base64url");
  const keyPrefix = `campaign:${seed}:${runTag}:`;
  // DynamoDB keys sessions by id alone: a run's chosen ids carry its tag, clear of earlier runs'.
  for (const op of plan) if (op.chosenId) op.chosenId = `${op.chosenId.slice(0, -4)}${runTag}`;
  const toxiproxyUrl = env.description.toxiproxy?.url;
  if (!toxiproxyUrl) throw new Error("a campaign needs the environment's fault proxy");
  const workDir = mkdtempSync(join(tmpdir(), "hss-campaign-"));
  const cache = await CacheObserver.connect(env.description.valkey);
  const durable = new DurableObserver(
    observerDynamoClient(env.description),
    env.description.dynamodb.table,
  );
  let servers: AppServers | undefined;
  try {
    log(`starting ${serverNames.length} app servers`);
    servers = await AppServers.start(env.description, {
      names: serverNames,
      keyPrefix,
      toxiproxyUrl,
      workDir,
    });
    const clients = servers.servers.map(
      (s) => new ServiceClient(s.url, { timeoutMs: CLIENT_TIMEOUT_MS }),
    );
    const nemesis = new Nemesis(env, servers, { onNodeRestarted: options.onNodeRestarted });
    const history = new History();
    const stalenessMs = stalenessBounds();
    const startedAt = Date.now();
    const counts = { operations: 0, faults: 0, stale: 0 };
    const ticker = setInterval(() => {
      const elapsed = ((Date.now() - startedAt) / 1000).toFixed(0);
      options.progress?.(
        `campaign: ${elapsed} s, ${counts.operations} operations, ${counts.faults} faults, ${counts.stale} reads older than their user had seen (the checker judges them at the end)`,
      );
    }, 1000);
    ticker.unref();
    try {
      await Promise.all([
        runNemesis(schedule, nemesis, history, startedAt, counts, log),
        ...Array.from({ length: users }, (_, user) =>
          runUser(
            user,
            plan.filter((op) => op.user === user),
            clients,
            serverNames,
            history,
            startedAt,
            counts,
          ),
        ),
      ]);
    } finally {
      clearInterval(ticker);
      await nemesis.healAll();
    }
    log("healed every fault; letting the stores settle");
    for (const server of servers.servers) if (!server.running()) await server.start();
    await settled(cache, keyPrefix, history.events.at(-1)?.at ?? Date.now(), LEASE_MS + MARGIN_MS);
    const reader = clients[0] as ServiceClient;
    const final = await observeFinal(
      history.sessionIds(),
      (id) => reader.get(id),
      { cache, durable },
      (id) => cacheKey(keyPrefix, id),
    );
    const check: CheckOptions = { defaultTtlSeconds: 1800, stalenessMs };
    const verdict = checkHistory(history, final, check);
    const classes = new Set(schedule.map((f) => f.class)).size;
    const line = `campaign: seed ${seed}, ${serverNames.length} servers, ${verdict.summary.operations} operations, ${schedule.length} faults (${classes} classes), ${verdict.violations.length} anomalies`;
    return {
      options,
      serverNames,
      plan,
      schedule,
      history,
      verdict,
      startedAt,
      finishedAt: Date.now(),
      stalenessMs,
      line,
    };
  } finally {
    await servers?.stop();
    cache.close();
    durable.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The words a fault is recorded under in the history. */
export const faultWords = (f: ScheduledFault): string => `${f.class} on ${f.target}`;

async function runNemesis(
  schedule: readonly ScheduledFault[],
  nemesis: Nemesis,
  history: History,
  startedAt: number,
  counts: { faults: number },
  log: (line: string) => void,
): Promise<void> {
  // Each fault is its own task: a fault's start may take a while (a node restarting), and the
  // next one starts on time all the same.
  await Promise.all(
    schedule.map(async (fault) => {
      await until(startedAt + fault.start);
      const details = { class: fault.class, target: fault.target };
      history.fault(faultWords(fault), "start", details);
      counts.faults += 1;
      try {
        await nemesis.start(fault);
      } catch (error) {
        log(`could not start ${faultWords(fault)}: ${messageOf(error)}`);
      }
      await until(startedAt + fault.heal);
      try {
        await nemesis.heal(fault);
      } finally {
        history.fault(faultWords(fault), "heal", details);
      }
    }),
  );
}

/** One user's operations, one at a time, each to its planned server. */
async function runUser(
  user: number,
  ops: readonly PlannedOp[],
  clients: readonly ServiceClient[],
  names: readonly string[],
  history: History,
  startedAt: number,
  counts: { operations: number; stale: number },
): Promise<void> {
  const who = `user ${user + 1}`;
  let current: string | undefined;
  const seen = new Map<string, Session>();
  for (const [step, op] of ops.entries()) {
    await until(startedAt + op.at);
    const client = clients[op.server] as ServiceClient;
    const server = `app server ${(names[op.server] ?? "?").toUpperCase()}`;
    const kind = current === undefined ? "create" : op.kind;
    counts.operations += 1;
    try {
      if (kind === "create") {
        const data = { user: user + 1, step };
        const ttlSeconds = op.ttlSeconds ?? 1800;
        const session = await history.perform(
          who,
          "create",
          op.chosenId,
          { data, ttlSeconds, server },
          () =>
            client.create(data, { ttlSeconds, ...(op.chosenId ? { sessionId: op.chosenId } : {}) }),
        );
        current = session.id;
      } else if (kind === "read") {
        const id = current as string;
        const read = await history.perform(who, "read", id, { server }, () => client.get(id));
        const before = seen.get(id);
        if (
          read &&
          before &&
          read.createdAt === before.createdAt &&
          read.version < before.version
        ) {
          counts.stale += 1;
        }
        if (read) seen.set(id, read);
      } else if (kind === "update") {
        const id = current as string;
        const data = { user: user + 1, step };
        seen.set(
          id,
          await history.perform(who, "update", id, { data, server }, () => client.update(id, data)),
        );
      } else if (kind === "touch") {
        const id = current as string;
        const ttlSeconds = op.ttlSeconds ?? 1800;
        const touched = await history.perform(who, "touch", id, { ttlSeconds, server }, () =>
          client.touch(id, ttlSeconds),
        );
        if (touched) seen.set(id, touched);
      } else {
        const id = current as string;
        await history.perform(who, "delete", id, { server }, () => client.delete(id));
      }
    } catch {
      // Recorded in the history (fail or info); the user goes on with the next operation.
    }
  }
}

/** Paces the run: resolves at `time` (epoch ms), at once if it has passed. */
async function until(time: number): Promise<void> {
  const wait = time - Date.now();
  if (wait > 0) await pace(wait);
}
