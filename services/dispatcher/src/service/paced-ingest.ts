import type { Alert } from '@k2/contracts';

/** Alerts decided per event-loop turn while a backlog waits. */
const ALERTS_PER_TURN = 64;

interface Batch {
  alerts: readonly Alert[];
  /** Alerts of this batch already handed to `ingest`. */
  taken: number;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Feeds alerts from the bus to the core a slice per event-loop turn. The bus hands over up to 500
 * records at a time, and while a run of them is decided no answer from the HTTP worker is read and
 * no request sent: in slices, deciding and delivering run side by side instead of by turns. A batch's promise settles once all of its alerts are ingested (and stored), so the
 * bus commits only what is decided; a failure rejects the batches it touched, which the bus hands
 * over again (ingesting an alert twice changes nothing). An alert arriving while nothing waits is
 * ingested at once.
 */
export class PacedIngest {
  private readonly waiting: Batch[] = [];
  private scheduled = false;

  constructor(private readonly ingest: (alerts: readonly Alert[]) => void) {}

  submit(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ alerts, taken: 0, resolve, reject });
      if (this.scheduled) return;
      if (this.waiting.length === 1) this.turn();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.turn();
    });
  }

  /** Ingests up to ALERTS_PER_TURN waiting alerts in one step; the rest wait for the next turn. */
  private turn(): void {
    const slice: Alert[] = [];
    const touched: Batch[] = [];
    for (const batch of this.waiting) {
      if (slice.length >= ALERTS_PER_TURN) break;
      const n = Math.min(ALERTS_PER_TURN - slice.length, batch.alerts.length - batch.taken);
      for (let i = 0; i < n; i++) slice.push(batch.alerts[batch.taken + i]!);
      batch.taken += n;
      touched.push(batch);
    }
    try {
      this.ingest(slice);
    } catch (err) {
      for (const batch of touched) this.waiting.splice(this.waiting.indexOf(batch), 1);
      for (const batch of touched) batch.reject(err);
      if (this.waiting.length > 0) this.schedule();
      return;
    }
    while (this.waiting.length > 0 && this.waiting[0]!.taken === this.waiting[0]!.alerts.length)
      this.waiting.shift()!.resolve();
    if (this.waiting.length > 0) this.schedule();
  }
}
