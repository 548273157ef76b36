import { Heap } from './heap.js';
import { sameInstantOrder, type Observation } from './observation.js';

/**
 * Events waiting for the watermark, by event time. Most share their instant with many others
 * (whole seconds), so they wait in one list per instant, and an instant's list is put in
 * processing order once, when it is taken, instead of each event finding its place in a heap.
 */
export class EventBuffer {
  private readonly instants = new Map<number, Observation[]>();
  private readonly times = new Heap<number>((a, b) => a < b);
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(o: Observation): void {
    const waiting = this.instants.get(o.at);
    if (waiting) waiting.push(o);
    else {
      this.instants.set(o.at, [o]);
      this.times.push(o.at);
    }
    this.count++;
  }

  /** The earliest instant with events waiting; Infinity when none. */
  get first(): number {
    return this.times.peek() ?? Infinity;
  }

  /** Takes the earliest instant's events out, in processing order (see sameInstantOrder). */
  take(): Observation[] {
    const at = this.times.pop();
    if (at === undefined) return [];
    const events = this.instants.get(at)!;
    this.instants.delete(at);
    this.count -= events.length;
    return events.sort(sameInstantOrder);
  }
}
