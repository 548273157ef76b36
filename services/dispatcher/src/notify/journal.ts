import type { StateStore } from '../store/store.js';

/** In a burst (the last commit less than this ago), how long outcomes gather before the next commit. */
const GATHER_MS = 5;

/**
 * Outcome writes (delivery log, outbox removal, dead letters) gathered for a moment and committed
 * in one transaction: one commit per burst instead of one per notification. A crash before the
 * commit leaves the notification in the outbox, so it is sent again: at least once, never lost.
 */
export class Journal {
  private queued: (() => void)[] = [];
  private scheduled = false;
  private lastFlush = -Infinity;

  constructor(private readonly store: StateStore) {}

  write(op: () => void): void {
    this.queued.push(op);
    if (this.scheduled) return;
    this.scheduled = true;
    // In a burst (the last commit was moments ago) outcomes gather a little longer: fewer commits.
    if (performance.now() - this.lastFlush < GATHER_MS) setTimeout(() => this.flush(), GATHER_MS);
    else setImmediate(() => this.flush());
  }

  flush(): void {
    this.lastFlush = performance.now();
    this.scheduled = false;
    if (this.queued.length === 0) return;
    const ops = this.queued;
    this.queued = [];
    this.store.transaction(() => ops.forEach((op) => op()));
  }
}
