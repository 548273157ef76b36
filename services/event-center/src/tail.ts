import type { K2Event } from '@k2/contracts';

type Listener = (event: K2Event) => void;

/** Stored events fanned out to live-tail streams; each stream filters for its caller. */
export class TailHub {
  private readonly listeners = new Set<Listener>();
  private readonly closers = new Set<() => void>();

  get clients(): number {
    return this.listeners.size;
  }

  publish(events: readonly K2Event[]): void {
    for (const listener of this.listeners) for (const e of events) listener(e);
  }

  /** Returns the unsubscribe; `onClose` runs if the hub closes first (service shutdown). */
  subscribe(listener: Listener, onClose: () => void): () => void {
    this.listeners.add(listener);
    this.closers.add(onClose);
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(onClose);
    };
  }

  close(): void {
    for (const close of [...this.closers]) close();
    this.listeners.clear();
    this.closers.clear();
  }
}
