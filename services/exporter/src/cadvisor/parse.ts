import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { MemoryReading } from '../memory.js';

/** A container's memory as one kubelet's cAdvisor reports it. */
export interface CadvisorContainer extends MemoryReading {
  namespace: string;
  pod: string;
  container: string;
}

type Field = 'usage' | 'cache' | 'rss' | 'shmem' | 'workingSet' | 'limit';

const FIELDS = new Map<string, Field>(
  Object.entries({
    container_memory_usage_bytes: 'usage',
    container_memory_cache: 'cache',
    container_memory_rss: 'rss',
    container_memory_working_set_bytes: 'workingSet',
    container_spec_memory_limit_bytes: 'limit',
    // Not in stock cAdvisor; used when a kubelet (or the simulator) reports it, else shmem counts as 0.
    container_memory_shmem: 'shmem',
  } satisfies Record<string, Field>),
);

// cAdvisor's per-container labels the exporter does not read: a cgroup path, the image and the
// runtime's container name are most of each line's length.
const UNREAD_LABELS = /,(?:id|image|name)="(?:[^"\\]|\\.)*"/g;

type Labels = Record<string, string>;

/** One sample of a family read. */
interface RawSample {
  field: Field;
  /** `{…}` as the line writes it (the same text on every family of one container), or parsed already. */
  labels: string | Labels;
  value: number;
}

/** A label set `{…}` as the Prometheus text-format parser reads it, without the labels not read. */
function parseLabels(block: string): Labels {
  return parsePrometheusTextFormat(`m${block.replace(UNREAD_LABELS, '')} 0\n`)[0]?.metrics[0]?.labels ?? {};
}

/**
 * A sample line `name{labels} value [timestamp]` of a family read, split at its label set; null
 * for a family not read. The label set ends at the line's last `}`: neither a value nor a
 * timestamp can hold one. A line of another shape goes to the parser whole, which rejects what
 * is not the text format.
 */
function splitSample(line: string): RawSample | null {
  let end = 0;
  while (end < line.length && line[end] !== '{' && line[end] !== ' ' && line[end] !== '\t') end++;
  const field = FIELDS.get(line.slice(0, end));
  if (!field) return null;
  const close = line.lastIndexOf('}');
  if (line[end] === '{' && close > end) {
    let from = close + 1;
    while (line[from] === ' ' || line[from] === '\t') from++;
    let to = from;
    while (to < line.length && line[to] !== ' ' && line[to] !== '\t') to++;
    // What may follow the value is a timestamp: one more token, digits and a sign.
    if (to > from && /^(?:[ \t]+-?\d+)?$/.test(line.slice(to))) {
      return { field, labels: line.slice(end, close + 1), value: Number(line.slice(from, to)) };
    }
  }
  const sample = parsePrometheusTextFormat(`${line}\n`)[0]?.metrics[0];
  return { field, labels: sample?.labels ?? {}, value: Number(sample?.value) };
}

/**
 * Label sets parsed from one kubelet's text, kept until a read of it no longer has them: a
 * container's label set is the same text scrape after scrape, so it is parsed once in its life.
 */
export class LabelSetCache {
  private previous = new Map<string, Labels>();
  private current = new Map<string, Labels>();

  get(text: string): Labels {
    let labels = this.current.get(text);
    if (labels) return labels;
    let key: string | undefined;
    labels = this.previous.get(text);
    if (labels) key = text;
    else {
      labels = parseLabels(text);
      // A copy: the line's text is a slice that would keep the whole response alive.
      key = Buffer.from(text, 'utf8').toString('utf8');
    }
    this.current.set(key, labels);
    return labels;
  }

  /** Forgets the label sets the read that just ended did not have. */
  endRead(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

/**
 * Each distinct label set's container. cAdvisor writes the samples of every family in the same
 * order, so a label set is first compared with the one at the same place in the previous family,
 * a plain string compare, and looked up by hash only when that differs.
 */
class Containers {
  private readonly byLabels = new Map<string, CadvisorContainer | null>();
  private readonly byKey = new Map<string, CadvisorContainer>();
  private previous: { labels: string[]; entries: (CadvisorContainer | null)[] } = { labels: [], entries: [] };
  private current: { labels: string[]; entries: (CadvisorContainer | null)[] } = { labels: [], entries: [] };

  constructor(private readonly cache: LabelSetCache) {}

  nextFamily(): void {
    if (this.current.labels.length > 0) this.previous = this.current;
    this.current = { labels: [], entries: [] };
  }

  /** The container of a label set; null for a pod-level or sandbox series. */
  get(labels: string | Labels): CadvisorContainer | null {
    if (typeof labels !== 'string') return this.entry(labels);
    const at = this.current.labels.length;
    let entry = this.previous.labels[at] === labels ? this.previous.entries[at] : this.byLabels.get(labels);
    if (entry === undefined) {
      entry = this.entry(this.cache.get(labels));
      this.byLabels.set(labels, entry);
    }
    this.current.labels.push(labels);
    this.current.entries.push(entry!);
    return entry!;
  }

  private entry({ namespace, pod, container }: Labels): CadvisorContainer | null {
    if (!namespace || !pod || !container || container === 'POD') return null;
    const key = `${namespace}\u0000${pod}\u0000${container}`;
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { namespace, pod, container, usage: 0, cache: 0, rss: 0, shmem: 0, workingSet: 0 };
      this.byKey.set(key, entry);
    }
    return entry;
  }

  all(): CadvisorContainer[] {
    return [...this.byKey.values()];
  }
}

/**
 * Container memory from kubelet `/metrics/cadvisor` text. Pod-level and sandbox series
 * (container "" or "POD") are skipped: they would count each pod's memory twice.
 *
 * Only the lines of the families read are looked at, and a kubelet writes each container's label
 * set again on every family: each distinct label set is parsed once (by
 * parse-prometheus-text-format, whose cost grows with every character it reads; once in the
 * container's life with a `cache` kept for the kubelet), and values are read from the rest of the line.
 */
export function parseCadvisor(text: string, cache = new LabelSetCache()): CadvisorContainer[] {
  const containers = new Containers(cache);
  let family: Field | undefined;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.length === 0 || trimmed[0] === '#') continue;
    const sample = splitSample(trimmed);
    if (!sample) continue;
    if (sample.field !== family) {
      containers.nextFamily();
      family = sample.field;
    }
    const entry = containers.get(sample.labels);
    if (!entry || !Number.isFinite(sample.value)) continue;
    // cAdvisor writes 0 for "no limit".
    if (sample.field === 'limit') entry.limit = sample.value > 0 ? sample.value : undefined;
    else entry[sample.field] = sample.value;
  }
  cache.endRead();
  return containers.all();
}
