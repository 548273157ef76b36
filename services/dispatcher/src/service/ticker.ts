import type { Dispatcher } from '../dispatch/dispatcher.js';

// setTimeout's limit; later deadlines are re-checked when it fires.
const MAX_TIMER_MS = 2_147_483_647;

/** Runs `dispatcher.tick()` at its next deadline, re-armed after every tick and every ingest. */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;
  private stopped = false;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly onError: (err: unknown) => void,
  ) {}

  arm(): void {
    if (this.stopped) return;
    const deadline = this.dispatcher.nextDeadline();
    if (deadline === undefined || !Number.isFinite(deadline)) return this.clear();
    if (this.timer && this.armedFor !== undefined && this.armedFor <= deadline) return;
    this.clear();
    this.armedFor = deadline;
    this.timer = setTimeout(() => this.fire(), Math.min(MAX_TIMER_MS, Math.max(0, deadline - Date.now())));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = undefined;
    try {
      this.dispatcher.tick();
    } catch (err) {
      this.onError(err);
    }
    this.arm();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }
}
