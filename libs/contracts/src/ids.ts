import { hash } from 'node:crypto';

/** 128 bits of sha256: collision-free in practice, short enough for keys and URLs. */
const ID_HEX_LENGTH = 32;

/**
 * Hashes a tuple; JSON keeps part boundaries and types apart ("a","bc" ≠ "ab","c"; 5 ≠ "5").
 * The one-shot `hash` gives createHash's digest without a Hash object per call (a few per event).
 */
export function hashParts(parts: readonly (string | number)[]): string {
  return hash('sha256', JSON.stringify(parts), 'hex').slice(0, ID_HEX_LENGTH);
}

/**
 * Stable id of one occurrence of a Kubernetes event. A replayed watch (relist, restart, 410 Gone)
 * yields the same id, so consumers can drop it; the next occurrence (count + 1) gets a new one.
 */
export function eventId(cluster: string, eventUid: string, occurrence: number): string {
  return hashParts(['event', cluster, eventUid, occurrence]);
}

/**
 * Stable id of one OOM kill. The kill is identified by the container's termination time when
 * known, else by the restart count it produced; both survive a watcher restart.
 */
export function oomEventId(
  cluster: string,
  podUid: string,
  container: string,
  finishedAtOrRestartCount: string | number,
): string {
  return hashParts(['oom', cluster, podUid, container, finishedAtOrRestartCount]);
}
