/**
 * Sessions whose cache entry may be stale: DynamoDB took a write the cache did not (the cache was
 * unreachable). Reads of these ids bypass the cache until the entry is repaired from DynamoDB.
 * Beyond `max` ids it stops counting and every read bypasses the cache: slower, never stale.
 */
export class CacheRepairs {
  private readonly ids = new Set<string>();
  private overflowed = false;
  repaired = 0;

  constructor(private readonly max: number) {}

  mark(id: string): void {
    if (this.overflowed) return;
    if (this.ids.size >= this.max) {
      this.overflowed = true;
      this.ids.clear();
      return;
    }
    this.ids.add(id);
  }

  needs(id: string): boolean {
    return this.overflowed || this.ids.has(id);
  }

  done(id: string): void {
    if (this.ids.delete(id)) this.repaired += 1;
  }

  /** Up to `count` ids waiting for repair. */
  next(count: number): string[] {
    const out: string[] = [];
    for (const id of this.ids) {
      if (out.length >= count) break;
      out.push(id);
    }
    return out;
  }

  get pending(): number {
    return this.ids.size;
  }

  get overflow(): boolean {
    return this.overflowed;
  }

  /** Pending and repaired counts and the overflow flag, as `stats()` reports them. */
  snapshot(): { pending: number; repaired: number; overflow: boolean } {
    return { pending: this.pending, repaired: this.repaired, overflow: this.overflow };
  }
}
