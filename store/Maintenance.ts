import type { CacheRepairs } from "./CacheRepairs";
import { outcome } from "./outcome";
import type { SessionJournal } from "./SessionJournal";
import type { StoreEvents } from "./StoreEvents";
import type { ValkeyCache } from "./ValkeyCache";

/** Cache entries repaired per maintenance round. */
const REPAIR_BATCH = 100;

/**
 * The store's background work, one round at a time: replay the shared journal into DynamoDB (at
 * once when this process journalled, and every `scanIntervalMs` for what other servers left), then
 * rewrite from DynamoDB the cache entries this process knows may be stale.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastScan = Number.NEGATIVE_INFINITY;

  /** `repair` rewrites one session's cache entry from DynamoDB. */
  constructor(
    private readonly journal: Pick<SessionJournal, "dirty" | "drain">,
    private readonly repairs: CacheRepairs,
    private readonly cache: Pick<ValkeyCache, "ping">,
    private readonly repair: (id: string) => Promise<unknown>,
    private readonly events: Pick<StoreEvents, "emit">,
    private readonly scanIntervalMs: number,
  ) {}

  /** Looks for work every `intervalMs` milliseconds; the timer does not keep the process alive. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.journalDue() || this.repairs.pending > 0) void this.round();
    }, intervalMs);
    this.timer.unref();
  }

  /** Runs a round now (or joins the one under way); true when nothing is left to do. */
  async settle(): Promise<boolean> {
    await this.running;
    this.lastScan = Number.NEGATIVE_INFINITY;
    await this.round();
    return !this.journal.dirty && this.repairs.pending === 0 && !this.repairs.overflow;
  }

  /** Stops the ticks; resolves once the round under way, if any, has finished. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private journalDue(): boolean {
    return this.journal.dirty || performance.now() - this.lastScan >= this.scanIntervalMs;
  }

  private round(): Promise<void> {
    this.running ??= (async () => {
      if (this.journalDue()) {
        this.lastScan = performance.now();
        const { drained, replayed } = await this.journal.drain();
        if (drained && replayed > 0) this.events.emit({ type: "journal-drained", replayed });
      }
      if (this.repairs.pending === 0) return;
      // Repairs need the cache: probe it first (the breaker refuses at once while it is open).
      if ((await outcome(this.cache.ping())).status === "rejected") return;
      for (const id of this.repairs.next(REPAIR_BATCH)) await outcome(this.repair(id));
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
