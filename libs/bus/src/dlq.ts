import type { BusRecord, Message, TopicSpec } from './bus.js';

/**
 * Dead letters: a record that cannot be handled is copied, key and bytes unchanged (so it can be
 * replayed by publishing it back), to `<topic>.dlq` with headers saying where it came from and why.
 */
export const dlqTopic = (topic: string): string => `${topic}.dlq`;

export const DLQ_HEADERS = {
  /** Why it was dead-lettered: the JSON or schema error, or the handler's last error. */
  error: 'k2-dlq-error',
  /** `invalid` (the value failed to parse) or `handler` (the handler kept failing). */
  reason: 'k2-dlq-reason',
  topic: 'k2-dlq-topic',
  partition: 'k2-dlq-partition',
  offset: 'k2-dlq-offset',
  group: 'k2-dlq-group',
} as const;

export type DeadLetterReason = 'invalid' | 'handler';

// Headers travel with every fetch; a stack trace or a huge zod report should not.
const MAX_ERROR_LENGTH = 4096;

export function deadLetter(
  message: Message<unknown>,
  reason: DeadLetterReason,
  error: string,
  groupId: string,
): BusRecord {
  return {
    key: message.key,
    value: message.raw,
    headers: {
      ...message.headers,
      [DLQ_HEADERS.error]: error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH)}…` : error,
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.topic]: message.topic,
      [DLQ_HEADERS.partition]: String(message.partition),
      [DLQ_HEADERS.offset]: String(message.offset),
      [DLQ_HEADERS.group]: groupId,
    },
  };
}

/** The specs plus a one-partition, never-compacted dead-letter twin for each (compaction would drop letters sharing a key). */
export function withDeadLetterTopics(specs: readonly TopicSpec[]): TopicSpec[] {
  const all = new Map(specs.map((s) => [s.name, s]));
  for (const s of specs) {
    const name = dlqTopic(s.name);
    if (!s.name.endsWith('.dlq') && !all.has(name))
      all.set(name, { name, partitions: 1, replicationFactor: s.replicationFactor });
  }
  return [...all.values()];
}
