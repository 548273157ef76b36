import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import type { Message } from '../bus.js';
import { toMessage } from './subscription.js';

/**
 * `KafkaBus.snapshot`: reads a topic from its start to the end offsets seen when the call starts,
 * fetching straight from the partition leaders. No consumer group is joined and nothing is committed.
 *
 * kafkajs has no consumer without a group, and joining a new group costs a FindCoordinator, two
 * JoinGroups, a SyncGroup and the broker's `group.initial.rebalance.delay.ms` (3 s by default), then
 * a DeleteGroups. So this uses kafkajs's own Cluster and Broker classes, which are internal: it asks
 * the client for a Cluster (created like the admin's, so ssl, sasl, retries and sockets are the
 * bus's) and sends Fetch requests itself. That part of kafkajs is pinned to 2.2.x (its last release);
 * the Kafka tests cover it, and a kafkajs without it fails every snapshot with a clear error.
 */
export async function readSnapshot(kafka: Kafka, admin: Admin, topic: string): Promise<Message[]> {
  const parts = (await admin.fetchTopicOffsets(topic))
    .map((o): Part => ({ partition: o.partition, next: Number(o.low), end: Number(o.high), alone: false, records: [] }))
    .sort((a, b) => a.partition - b.partition);
  let pending = parts.filter((p) => p.next < p.end);
  if (pending.length === 0) return [];

  const cluster = createCluster(kafka);
  try {
    await cluster.connect();
    let giveUpAt = Date.now() + GIVE_UP_MS;
    for (let failures = 0; pending.length > 0; pending = pending.filter((p) => p.next < p.end)) {
      try {
        await fetchRound(cluster, topic, pending);
        failures = 0;
        giveUpAt = Date.now() + GIVE_UP_MS;
      } catch (err) {
        if (Date.now() > giveUpAt) throw err;
        if ((err as Error).name === 'KafkaJSOffsetOutOfRange') {
          // Retention deleted records meanwhile: go on from the partitions' new starts.
          for (const o of await admin.fetchTopicOffsets(topic).catch(() => [])) {
            const p = parts.find((x) => x.partition === o.partition);
            if (p) p.next = Math.max(p.next, Number(o.low));
          }
        } else {
          // Leadership moved, a broker restarted, metadata is stale: kafkajs's consumer refreshes too.
          await cluster.refreshMetadata().catch(() => {});
        }
        await sleep(Math.min(2_000, 100 * 2 ** failures++));
      }
    }
  } finally {
    await cluster.disconnect().catch(() => {});
  }
  return parts.flatMap((p) => p.records);
}

/** Retries (stale metadata, a broker restarting) go on until this long passes without progress. */
const GIVE_UP_MS = 30_000;
/** Per partition and fetch: about Kafka's default; the first batch comes whole even when larger. */
const PARTITION_MAX_BYTES = 1_048_576;
const FETCH_MAX_BYTES = 52_428_800;
const READ_COMMITTED = 1;

/** A partition being read (exported for unit tests). */
export interface Part {
  partition: number;
  /** Next offset to read. */
  next: number;
  /** End offset when the snapshot started: records from here on are not part of it. */
  end: number;
  /** Fetched on its own next time (see `take`). */
  alone: boolean;
  records: Message[];
}

/** One Fetch per leader for the pending partitions (plus one each for partitions to fetch alone). */
async function fetchRound(cluster: Cluster, topic: string, pending: Part[]): Promise<void> {
  await cluster.addTargetTopic(topic);
  const leaders = cluster.findLeaderForPartitions(
    topic,
    pending.map((p) => p.partition),
  );
  if (Object.values(leaders).flat().length < pending.length)
    throw new Error(`bus: no leader known for some partitions of "${topic}"`);
  const requests: Promise<void>[] = [];
  for (const [nodeId, ids] of Object.entries(leaders)) {
    const ps = pending.filter((p) => ids.includes(p.partition));
    const together = ps.filter((p) => !p.alone);
    if (together.length > 0) requests.push(fetchFrom(cluster, nodeId, topic, together));
    for (const p of ps.filter((x) => x.alone)) requests.push(fetchFrom(cluster, nodeId, topic, [p]));
  }
  // All settle before the next round, so no late response mixes into it.
  const failed = (await Promise.allSettled(requests)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function fetchFrom(cluster: Cluster, nodeId: string, topic: string, parts: Part[]): Promise<void> {
  const broker = await cluster.findBroker({ nodeId });
  const { responses } = await broker.fetch({
    isolationLevel: READ_COMMITTED,
    // Every partition asked for has records below its end, so the broker answers at once.
    maxWaitTime: 100,
    minBytes: 1,
    maxBytes: FETCH_MAX_BYTES,
    topics: [
      {
        topic,
        partitions: parts.map((p) => ({
          partition: p.partition,
          fetchOffset: String(p.next),
          maxBytes: PARTITION_MAX_BYTES,
        })),
      },
    ],
  });
  for (const { topicName, partitions } of responses) {
    if (topicName !== topic) continue;
    for (const data of partitions) {
      const p = parts.find((x) => x.partition === data.partition);
      if (p) take(topic, p, data, parts.length === 1);
    }
  }
}

/** Keeps the records of `data` within [next, end) and moves `next` past everything the response covered. */
export function take(topic: string, p: Part, data: FetchedPartition, alone: boolean): void {
  if (data.messages.length === 0) {
    // No record at all: either other partitions filled the response (so fetch this one alone), or
    // the next batch is one compaction emptied (kept for its producer's state; kafkajs decodes no
    // offsets from it), which is stepped over one offset at a time, as kafkajs's consumer does.
    if (alone) p.next += 1;
    else p.alone = true;
    return;
  }
  p.alone = false;
  const from = p.next;
  let next = from + 1;
  const aborted = abortedFilter(data.abortedTransactions);
  for (const r of data.messages) {
    const offset = Number(r.offset);
    const ctx = r.batchContext;
    // A batch comes whole (so it may start before `from`), and compaction leaves holes: go past its end.
    next = Math.max(next, offset + 1, ctx ? Number(ctx.firstOffset) + ctx.lastOffsetDelta + 1 : 0);
    if (aborted(r) || r.isControlRecord || offset < from || offset >= p.end) continue;
    p.records.push(toMessage(topic, p.partition, r));
  }
  p.next = next;
}

/**
 * Records of aborted transactions, as kafkajs's consumer drops them: from the transaction's first
 * offset until its producer's abort marker. (K2 does not use transactions; this keeps reads committed.)
 */
function abortedFilter(transactions: FetchedPartition['abortedTransactions']): (r: FetchedRecord) => boolean {
  if (!transactions?.length) return () => false;
  const remaining = [...transactions].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset));
  const open = new Set<string>();
  return (r) => {
    while (remaining.length > 0 && Number(r.offset) >= Number(remaining[0]?.firstOffset)) {
      open.add((remaining.shift() as { producerId: string }).producerId);
    }
    const ctx = r.batchContext;
    if (!ctx) return false;
    if (r.isControlRecord && r.key?.equals(ABORT_MARKER_KEY)) {
      open.delete(ctx.producerId);
      return true;
    }
    return ctx.inTransaction && open.has(ctx.producerId);
  };
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

// ---- kafkajs internals (2.2.x): only what is used here ----

interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  /** Node id → partition ids it leads; partitions without metadata are left out. */
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string }): Promise<Broker>;
}

interface Broker {
  /** Throws the first partition error (`KafkaJSOffsetOutOfRange` for an offset out of range). */
  fetch(request: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: FetchedPartition[] }[] }>;
}

export interface FetchedPartition {
  partition: number;
  abortedTransactions?: { producerId: string; firstOffset: string }[];
  /** Decoded records of the complete batches in the response, including ones before the fetch offset. */
  messages: FetchedRecord[];
}

export type FetchedRecord = KafkaMessage & {
  isControlRecord?: boolean;
  batchContext?: { firstOffset: string; lastOffsetDelta: number; producerId: string; inTransaction: boolean };
};

const CREATE_CLUSTER = 'private:Kafka:createCluster';

function createCluster(kafka: Kafka): Cluster {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  const create = key && (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof create !== 'function')
    throw new Error('bus: snapshot needs kafkajs 2.2.x internals (Kafka[createCluster]) that this kafkajs lacks');
  return (create as (options: object) => Cluster)({
    allowAutoTopicCreation: false,
    isolationLevel: READ_COMMITTED,
  });
}
