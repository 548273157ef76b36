import { createHash } from 'node:crypto';
import type { Cluster } from './cluster.js';
import type { SimKubelet } from './kubelet.js';
import type { MemoryScenarioLine, Scenario, ScenarioLine } from './scenario.js';
import type { KubeObject } from './types.js';

export interface PlayerOptions {
  /** Scenario milliseconds per wall millisecond: 10 plays ten times faster. Timestamps are compressed alike. */
  speed?: number;
  /** Play again after the end, with fresh uids, once the previous round's objects are deleted. */
  loop?: boolean;
  /** Pause between rounds when looping, in scenario milliseconds. */
  loopGapMs?: number;
  onError?: (line: ScenarioLine, err: unknown) => void;
  /** Where memory lines go; without it they are skipped. */
  kubelet?: SimKubelet;
}

type TimelineEntry = { at: number; scenario: Scenario } & (
  { line: ScenarioLine; memory?: undefined } | { memory: MemoryScenarioLine; line?: undefined }
);

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Applies scenario lines to a cluster at their time. `start()` plays on the wall clock;
 * a test instead calls `advanceTo()` with scenario time and never waits.
 */
export class ScenarioPlayer {
  private readonly timeline: TimelineEntry[];
  private readonly speed: number;
  private readonly roundLength: number;
  private next = 0;
  private round = 0;
  private position = 0;
  private startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly created = new Map<string, KubeObject>();
  applied = 0;

  constructor(
    private readonly cluster: Cluster,
    scenarios: Scenario[],
    private readonly options: PlayerOptions = {},
  ) {
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new Error(`speed must be positive, got ${this.speed}`);
    this.timeline = scenarios
      .flatMap((scenario): TimelineEntry[] => [
        ...scenario.lines.map((line) => ({ at: line.at, line, scenario })),
        ...(scenario.memory ?? []).map((memory) => ({ at: memory.at, memory, scenario })),
      ])
      .sort((a, b) => a.at - b.at);
    this.roundLength = Math.max(0, ...scenarios.map((s) => s.duration)) + (options.loopGapMs ?? 5_000);
    this.startedAt = cluster.clock.now();
  }

  /** Scenario time reached so far (across rounds when looping). */
  get time(): number {
    return this.position;
  }

  get finished(): boolean {
    return !this.options.loop && this.next >= this.timeline.length;
  }

  /** Applies every line due up to scenario time `t` (measured from the start of round 0). */
  advanceTo(t: number): void {
    this.position = Math.max(this.position, t);
    for (;;) {
      if (this.next >= this.timeline.length) {
        if (!this.options.loop || t < (this.round + 1) * this.roundLength) return;
        this.endRound();
        continue;
      }
      const entry = this.timeline[this.next]!;
      if (this.round * this.roundLength + entry.at > t) return;
      this.next++;
      if (entry.line) this.apply(entry.line, entry.scenario);
      else this.options.kubelet?.set(entry.memory.memory);
    }
  }

  /** Plays on the wall clock from now. */
  start(): void {
    this.startedAt = this.cluster.clock.now();
    const tick = (): void => {
      this.advanceTo((this.cluster.clock.now() - this.startedAt) * this.speed);
      const due = this.nextDue();
      if (due === undefined) return;
      const wait = Math.max(0, this.startedAt + due / this.speed - this.cluster.clock.now());
      this.timer = setTimeout(tick, Math.min(wait, 2 ** 31 - 1));
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private nextDue(): number | undefined {
    if (this.next < this.timeline.length) return this.round * this.roundLength + this.timeline[this.next]!.at;
    return this.options.loop ? (this.round + 1) * this.roundLength : undefined;
  }

  private endRound(): void {
    for (const obj of this.created.values()) this.cluster.remove(obj);
    this.created.clear();
    this.round++;
    this.next = 0;
  }

  private apply(line: ScenarioLine, scenario: Scenario): void {
    try {
      const obj = this.transform(line.object, scenario);
      const id = `${obj.apiVersion}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
      if (line.verb === 'delete') {
        this.cluster.remove(obj);
        this.created.delete(id);
      } else {
        this.cluster.apply(obj);
        this.created.set(id, obj);
      }
      this.applied++;
    } catch (err) {
      if (this.options.onError) this.options.onError(line, err);
      else throw err;
    }
  }

  /** Shifts timestamps so the epoch maps to the start of play, and gives each round its own uids. */
  private transform(obj: KubeObject, scenario: Scenario): KubeObject {
    const epoch = scenario.epoch;
    const offset = this.round * this.roundLength;
    const round = this.round;
    const walk = (value: unknown, key: string): unknown => {
      if (typeof value === 'string') {
        if (key === 'uid' && round > 0) return roundUid(value, round);
        if (epoch !== undefined && ISO_TIME.test(value)) {
          const t = Date.parse(value);
          const shifted = this.startedAt + (t - epoch + offset) / this.speed;
          return new Date(Math.round(shifted / 1000) * 1000).toISOString().replace('.000Z', 'Z');
        }
        return value;
      }
      if (Array.isArray(value)) return value.map((v) => walk(v, key));
      if (value && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
      }
      return value;
    };
    return walk(obj, '') as KubeObject;
  }
}

function roundUid(uid: string, round: number): string {
  const h = createHash('sha1').update(`${uid}#${round}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
