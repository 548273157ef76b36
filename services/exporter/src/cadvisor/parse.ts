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

/**
 * The lines of the families read (with their HELP and TYPE), without the labels not read: a
 * kubelet serves dozens of families per container (CPU, file systems, network), and the
 * parser's cost grows with every character.
 */
function memoryFamilies(text: string): string {
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    const start = line.startsWith('# HELP ') || line.startsWith('# TYPE ') ? 7 : 0;
    if (start === 0 && line.startsWith('#')) continue;
    let end = start;
    while (end < line.length && line[end] !== '{' && line[end] !== ' ') end++;
    if (FIELDS.has(line.slice(start, end))) kept.push(start === 0 ? line.replace(UNREAD_LABELS, '') : line);
  }
  // The parser only keeps a family's last sample when a line break follows it.
  return kept.join('\n') + '\n';
}

/**
 * Container memory from kubelet `/metrics/cadvisor` text. Pod-level and sandbox series
 * (container "" or "POD") are skipped: they would count each pod's memory twice.
 */
export function parseCadvisor(text: string): CadvisorContainer[] {
  const byKey = new Map<string, CadvisorContainer>();
  for (const family of parsePrometheusTextFormat(memoryFamilies(text))) {
    const field = FIELDS.get(family.name);
    if (!field) continue;
    for (const sample of family.metrics) {
      const labels = sample.labels ?? {};
      const { namespace, pod, container } = labels;
      if (!namespace || !pod || !container || container === 'POD') continue;
      const value = Number(sample.value);
      if (!Number.isFinite(value)) continue;
      const key = `${namespace}\u0000${pod}\u0000${container}`;
      let entry = byKey.get(key);
      if (!entry) {
        entry = { namespace, pod, container, usage: 0, cache: 0, rss: 0, shmem: 0, workingSet: 0 };
        byKey.set(key, entry);
      }
      // cAdvisor writes 0 for "no limit".
      if (field === 'limit') entry.limit = value > 0 ? value : undefined;
      else entry[field] = value;
    }
  }
  return [...byKey.values()];
}
