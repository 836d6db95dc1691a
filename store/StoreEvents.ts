import type { BreakerState } from "./CircuitBreaker";

/** Something the store did that operators may want to see as it happens. */
export type StoreEvent =
  | { type: "cache-breaker"; state: BreakerState }
  | { type: "journal-drained"; replayed: number }
  | { type: "cache-repaired"; sessionId: string };

/** The store's event listeners: every event goes to each of them, in the order they were added. */
export class StoreEvents {
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  /** Calls `listener` for every event from now on; returns a function that stops it. */
  on(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: StoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
