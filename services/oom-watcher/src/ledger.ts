/**
 * The kill ids already handled (published, or recorded as too old), so resyncs, relists and
 * restarts publish nothing twice. Bounded: the least recently seen ids are forgotten first, and
 * seeing an id again refreshes it, so kills still shown in live pods' status stay remembered.
 */
export class KillLedger {
  private readonly ids = new Set<string>();

  constructor(private readonly limit = 100_000) {}

  get size(): number {
    return this.ids.size;
  }

  /** True when `id` was handled; refreshes it. */
  seen(id: string): boolean {
    if (!this.ids.has(id)) return false;
    this.ids.delete(id);
    this.ids.add(id);
    return true;
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value as string);
  }
}
