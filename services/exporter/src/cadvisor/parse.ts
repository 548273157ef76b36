import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { ContainerMemory, LabelMemo, MemoryReading } from '../memory.js';

/** A container as its kubelet's label sets name it: one object per container while it lasts. */
export interface CadvisorIdentity {
  namespace: string;
  pod: string;
  container: string;
  /** Kept with the container from read to read, for the writer of its series. */
  memo: LabelMemo;
}

/**
 * A container's memory as one kubelet's cAdvisor reports it: the series the exporter writes,
 * once its reader has filled in the node and the workload.
 */
export interface CadvisorContainer extends ContainerMemory {
  identity: CadvisorIdentity;
}

type Field = 'usage' | 'cache' | 'rss' | 'shmem' | 'workingSet' | 'limit';

const FIELDS: [name: Buffer, field: Field][] = Object.entries({
  container_memory_usage_bytes: 'usage',
  container_memory_cache: 'cache',
  container_memory_rss: 'rss',
  container_memory_working_set_bytes: 'workingSet',
  container_spec_memory_limit_bytes: 'limit',
  // Not in stock cAdvisor; used when a kubelet (or the simulator) reports it, else shmem counts as 0.
  container_memory_shmem: 'shmem',
} satisfies Record<string, Field>).map(([name, field]) => [Buffer.from(name, 'latin1'), field]);

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const HASH = 0x23;
const OPEN = 0x7b;
const CLOSE = 0x7d;

// cAdvisor's per-container labels the exporter does not read: a cgroup path, the image and the
// runtime's container name are most of each line's length.
const UNREAD_LABELS = /,(?:id|image|name)="(?:[^"\\]|\\.)*"/g;

type Labels = Record<string, string>;

/** The family a sample line's name [start, end) is, if it is one read. */
function fieldOf(b: Buffer, start: number, end: number): Field | undefined {
  const length = end - start;
  next: for (const [name, field] of FIELDS) {
    if (name.length !== length) continue;
    for (let i = length - 1; i >= 0; i--) if (name[i] !== b[start + i]) continue next;
    return field;
  }
  return undefined;
}

/** Each family's name by the field it fills. */
const NAMES = Object.fromEntries(FIELDS.map(([name, field]) => [field, name])) as Record<Field, Buffer>;

/** Whether the line b[start, end) is a sample of the family `name`: the name, then `{` or a blank. */
function isSampleOf(b: Buffer, start: number, end: number, name: Buffer): boolean {
  const length = name.length;
  if (end - start <= length) return false;
  const next = b[start + length];
  if (next !== OPEN && next !== SPACE && next !== TAB) return false;
  // From the end: the families read share their first dozen or more bytes.
  for (let i = length - 1; i >= 0; i--) if (name[i] !== b[start + i]) return false;
  return true;
}

/** `[ \t]+-?digits` or nothing: what may follow a sample's value (a timestamp). */
function isTimestampOrNothing(b: Buffer, from: number, end: number): boolean {
  if (from === end) return true;
  if (b[from] !== SPACE && b[from] !== TAB) return false;
  while (from < end && (b[from] === SPACE || b[from] === TAB)) from++;
  if (b[from] === 0x2d) from++;
  if (from === end) return false;
  for (; from < end; from++) if (b[from]! < 0x30 || b[from]! > 0x39) return false;
  return true;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A sample value's number from its bytes: decimal and exponent forms in the range where a double
 * is exact for the digits and the power of ten (so one multiplication or division is rounded
 * correctly, as Number() rounds), and Number() on the text for anything else (NaN, Inf, long forms).
 */
function numberAt(b: Buffer, from: number, to: number): number {
  let i = from;
  const negative = b[i] === 0x2d;
  if (negative || b[i] === 0x2b) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let seen = false;
  for (; i < to && b[i]! >= 0x30 && b[i]! <= 0x39; i++, seen = true) {
    mantissa = mantissa * 10 + (b[i]! - 0x30);
    if (mantissa > 0) digits++;
  }
  if (b[i] === 0x2e) {
    for (i++; i < to && b[i]! >= 0x30 && b[i]! <= 0x39; i++, seen = true) {
      mantissa = mantissa * 10 + (b[i]! - 0x30);
      if (mantissa > 0) digits++;
      scale--;
    }
  }
  if (seen && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    const negativeExponent = b[i] === 0x2d;
    if (negativeExponent || b[i] === 0x2b) i++;
    let exponent = 0;
    const start = i;
    for (; i < to && b[i]! >= 0x30 && b[i]! <= 0x39 && i - start < 4; i++) exponent = exponent * 10 + (b[i]! - 0x30);
    if (i === start) seen = false;
    scale += negativeExponent ? -exponent : exponent;
  }
  if (!seen || i !== to || digits > 15 || scale > 22 || scale < -22) return Number(b.toString('latin1', from, to));
  const value = scale >= 0 ? mantissa * POW10[scale]! : mantissa / POW10[-scale]!;
  return negative ? -value : value;
}

/** A container's key among a kubelet's: joined (one flat string kept), not concatenated. */
const identityKey = (namespace: string, pod: string, container: string) => [namespace, pod, container].join('\u0000');

/**
 * A read's label sets in the order it asked for them: their bytes in one buffer outside the JS
 * heap (a garbage collection need not trace them), with the container each names.
 */
class LabelSetSequence {
  private bytes = Buffer.alloc(0);
  private used = 0;
  private readonly ends: number[] = [];
  readonly identities: (CadvisorIdentity | null)[] = [];

  get length(): number {
    return this.ends.length;
  }

  add(b: Buffer, start: number, end: number, identity: CadvisorIdentity | null): void {
    const size = end - start;
    if (this.used + size > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(4096, 2 * (this.used + size)));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    b.copy(this.bytes, this.used, start, end);
    this.used += size;
    this.ends.push(this.used);
    this.identities.push(identity);
  }

  /** Whether the label set at `at` is the same bytes as b[start, end). */
  same(at: number, b: Buffer, start: number, end: number): boolean {
    if (at >= this.ends.length) return false;
    const from = at === 0 ? 0 : this.ends[at - 1]!;
    const to = this.ends[at]!;
    return to - from === end - start && this.bytes.compare(b, start, end, from, to) === 0;
  }

  /** The label set at `at`, as latin1 text (one char per byte, as a key). */
  key(at: number): string {
    return this.bytes.toString('latin1', at === 0 ? 0 : this.ends[at - 1]!, this.ends[at]!);
  }

  /** The first `count` label sets, copied. */
  prefix(count: number): LabelSetSequence {
    const copy = new LabelSetSequence();
    const size = count === 0 ? 0 : this.ends[count - 1]!;
    copy.bytes = Buffer.allocUnsafeSlow(Math.max(4096, 2 * size));
    this.bytes.copy(copy.bytes, 0, 0, size);
    copy.used = size;
    copy.ends.push(...this.ends.slice(0, count));
    copy.identities.push(...this.identities.slice(0, count));
    return copy;
  }

  truncate(count: number): void {
    this.used = count === 0 ? 0 : this.ends[count - 1]!;
    this.ends.length = count;
    this.identities.length = count;
  }
}

/**
 * Label sets parsed from one kubelet's text, kept until a read of it no longer has them: a
 * container's label set is the same text scrape after scrape, so it is parsed (by
 * parse-prometheus-text-format) once in its life, and its container keeps one identity.
 *
 * A kubelet writes its containers in the same order read after read, so the label set a read asks
 * for is first compared, as bytes, with the one the previous read asked for at the same turn: while
 * they agree, a read makes no string at all. From the first that differs, the rest are looked up
 * by their text, and the sequence the read asked for is kept for the next.
 */
export class LabelSetCache {
  private known = new LabelSetSequence();
  /** This read's sequence, once it has differed from `known`. */
  private differing: LabelSetSequence | undefined;
  private asked = 0;
  /** The known label sets by text, made only when a read differs. */
  private byText: Map<string, CadvisorIdentity | null> | undefined;
  private identities = new Map<string, CadvisorIdentity>();

  /** The container of the label set `{…}` at b[start, end). */
  find(b: Buffer, start: number, end: number): CadvisorIdentity | null {
    const at = this.asked++;
    if (!this.differing) {
      if (this.known.same(at, b, start, end)) return this.known.identities[at]!;
      this.differing = this.known.prefix(at);
      this.byText = new Map();
      for (let i = 0; i < this.known.length; i++) this.byText.set(this.known.key(i), this.known.identities[i]!);
    }
    const key = b.toString('latin1', start, end);
    let identity = this.byText!.get(key);
    if (identity === undefined) {
      const labels =
        parsePrometheusTextFormat(`m${b.toString('utf8', start, end).replace(UNREAD_LABELS, '')} 0\n`)[0]?.metrics[0]
          ?.labels ?? {};
      identity = this.identity(labels);
      this.byText!.set(key, identity);
    }
    this.differing.add(b, start, end, identity);
    return identity;
  }

  /**
   * The container a label set names; null for pod-level and sandbox series (container "" or
   * "POD"), which would count each pod's memory twice.
   */
  identity({ namespace, pod, container }: Labels): CadvisorIdentity | null {
    if (!namespace || !pod || !container || container === 'POD') return null;
    const key = identityKey(namespace, pod, container);
    let identity = this.identities.get(key);
    if (!identity) {
      identity = { namespace, pod, container, memo: {} };
      this.identities.set(key, identity);
    }
    return identity;
  }

  /** Starts a read: one that failed part-way is forgotten. */
  beginRead(): void {
    this.differing = undefined;
    this.byText = undefined;
    this.asked = 0;
  }

  /** Forgets the label sets (and containers) the read that just ended did not have. */
  endRead(): void {
    const changed = this.differing !== undefined || this.asked < this.known.length;
    if (this.differing) this.known = this.differing;
    else this.known.truncate(this.asked);
    this.differing = undefined;
    this.byText = undefined;
    this.asked = 0;
    if (!changed) return;
    const identities = new Map<string, CadvisorIdentity>();
    for (const id of this.known.identities) {
      if (id) identities.set(identityKey(id.namespace, id.pod, id.container), id);
    }
    this.identities = identities;
  }
}

/**
 * Where the label sets of one family's lines were, in order: a later family's line at the same
 * place is compared with them. Two of these take turns, so a read allocates none per line.
 */
class Places {
  buffers: Buffer[] = [];
  starts: number[] = [];
  ends: number[] = [];
  entries: (CadvisorContainer | null)[] = [];
  length = 0;

  add(buffer: Buffer, start: number, end: number, entry: CadvisorContainer | null): void {
    const at = this.length++;
    this.buffers[at] = buffer;
    this.starts[at] = start;
    this.ends[at] = end;
    this.entries[at] = entry;
  }

  /** The entry at `at` if the label set there is the same bytes as b[start, end). */
  same(at: number, b: Buffer, start: number, end: number): CadvisorContainer | null | undefined {
    if (at >= this.length) return undefined;
    const from = this.starts[at]!;
    const to = this.ends[at]!;
    if (to - from !== end - start || this.buffers[at]!.compare(b, start, end, from, to) !== 0) return undefined;
    return this.entries[at];
  }

  /** Starts over, keeping the arrays' room: a family of a read is as long as the one before. */
  clear(): void {
    this.length = 0;
  }

  /** Lets go of the read's buffers. */
  release(): void {
    this.buffers.length = 0;
    this.entries.length = 0;
    this.length = 0;
  }
}

/**
 * Container memory from kubelet `/metrics/cadvisor` text, read as its bytes arrive (`push` each
 * chunk, then `end`): the text is never held whole, and only the lines of the families read are
 * decoded at all. Pod-level and sandbox series are skipped.
 *
 * A kubelet writes each container's label set again on every family, in the same order: a line's
 * label set is first compared, as bytes, with the one at the same place in the previous family;
 * otherwise it is looked up as text, and parsed by parse-prometheus-text-format only the first
 * time its kubelet writes it (`cache` keeps them for the kubelet). The value is read from the rest
 * of the line; a line of another shape goes to the parser whole, which rejects what is not the
 * text format.
 */
export class CadvisorParser {
  private tail: Buffer | undefined;
  private field: Field | undefined;
  /** The name of the last family not read, to pass over its lines. */
  private skipped: Buffer | undefined;
  private previous = new Places();
  private current = new Places();
  private readonly entries = new Map<CadvisorIdentity, CadvisorContainer>();

  constructor(private readonly cache = new LabelSetCache()) {
    cache.beginRead();
  }

  push(chunk: Buffer): void {
    let from = 0;
    if (this.tail) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.tail = Buffer.concat([this.tail, chunk]);
        return;
      }
      const line = Buffer.concat([this.tail, chunk.subarray(0, nl)]);
      this.tail = undefined;
      this.line(line, 0, line.length);
      from = nl + 1;
    }
    for (let nl = chunk.indexOf(LF, from); nl >= 0; nl = chunk.indexOf(LF, from)) {
      this.line(chunk, from, nl);
      from = nl + 1;
    }
    if (from < chunk.length) this.tail = chunk.subarray(from);
  }

  /** The containers read; the parser is spent. */
  end(): CadvisorContainer[] {
    if (this.tail) this.line(this.tail, 0, this.tail.length);
    this.tail = undefined;
    this.previous.release();
    this.current.release();
    this.cache.endRead();
    return [...this.entries.values()];
  }

  private line(b: Buffer, start: number, end: number): void {
    while (start < end && (b[start] === SPACE || b[start] === TAB)) start++;
    while (end > start && (b[end - 1] === SPACE || b[end - 1] === TAB || b[end - 1] === CR)) end--;
    if (start === end || b[start] === HASH) return;
    // A family's lines come together: a line is first taken for the family of the line before.
    let field = this.field;
    let name: number;
    if (field !== undefined && isSampleOf(b, start, end, NAMES[field])) {
      name = start + NAMES[field].length;
    } else if (this.skipped && isSampleOf(b, start, end, this.skipped)) {
      return;
    } else {
      name = start;
      while (name < end && b[name] !== OPEN && b[name] !== SPACE && b[name] !== TAB) name++;
      field = fieldOf(b, start, name);
      if (!field) {
        this.skipped = Buffer.from(b.subarray(start, name));
        return;
      }
      if (this.current.length > 0) [this.previous, this.current] = [this.current, this.previous];
      this.current.clear();
      this.field = field;
    }
    let close = end - 1;
    while (close > name && b[close] !== CLOSE) close--;
    if (b[name] === OPEN && close > name) {
      let from = close + 1;
      while (from < end && (b[from] === SPACE || b[from] === TAB)) from++;
      let to = from;
      while (to < end && b[to] !== SPACE && b[to] !== TAB) to++;
      if (to > from && isTimestampOrNothing(b, to, end)) {
        const entry = this.entryAt(b, name, close + 1);
        this.set(entry, field, numberAt(b, from, to));
        return;
      }
    }
    const sample = parsePrometheusTextFormat(`${b.toString('utf8', start, end)}\n`)[0]?.metrics[0];
    this.set(this.entryOf(this.cache.identity(sample?.labels ?? {})), field, Number(sample?.value));
  }

  /** The container of the label set at [start, end), remembering where it was for the next family. */
  private entryAt(b: Buffer, start: number, end: number): CadvisorContainer | null {
    let entry = this.previous.same(this.current.length, b, start, end);
    if (entry === undefined) {
      entry = this.entryOf(this.cache.find(b, start, end));
    }
    this.current.add(b, start, end, entry);
    return entry;
  }

  private entryOf(identity: CadvisorIdentity | null): CadvisorContainer | null {
    if (!identity) return null;
    let entry = this.entries.get(identity);
    if (!entry) {
      const { namespace, pod, container, memo } = identity;
      entry = {
        namespace,
        pod,
        container,
        node: '',
        workloadKind: '',
        workload: '',
        usage: 0,
        cache: 0,
        rss: 0,
        shmem: 0,
        workingSet: 0,
        limit: undefined,
        memo,
        identity,
      };
      this.entries.set(identity, entry);
    }
    return entry;
  }

  private set(entry: CadvisorContainer | null, field: Field, value: number): void {
    if (!entry || !Number.isFinite(value)) return;
    // cAdvisor writes 0 for "no limit".
    if (field === 'limit') entry.limit = value > 0 ? value : undefined;
    else entry[field] = value;
  }
}

/** Container memory from a whole kubelet `/metrics/cadvisor` text (see CadvisorParser), each container named. */
export function parseCadvisor(
  text: string,
  cache = new LabelSetCache(),
): (MemoryReading & Omit<CadvisorIdentity, 'memo'>)[] {
  const parser = new CadvisorParser(cache);
  parser.push(Buffer.from(text, 'utf8'));
  return parser.end().map(cadvisorReading);
}

/** A container read by CadvisorParser: its names and memory. */
export function cadvisorReading({
  namespace,
  pod,
  container,
  usage,
  cache,
  rss,
  shmem,
  workingSet,
  limit,
}: CadvisorContainer): MemoryReading & Omit<CadvisorIdentity, 'memo'> {
  return { namespace, pod, container, usage, cache, rss, shmem, workingSet, limit };
}
