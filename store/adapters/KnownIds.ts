/**
 * The session ids an adapter has seen in the store (read, written or destroyed), the most recent
 * `capacity` of them. A save for a known id only updates: it never re-creates a session that was
 * destroyed or expired while the request that saves it was running.
 */
export class KnownIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    // Re-inserting moves the id to the end, so the oldest seen is the first to be forgotten.
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }
}
