export type {
  BatchHandler,
  Bus,
  BusLog,
  BusRecord,
  CommitOffset,
  HandlerContext,
  Headers,
  Message,
  RecordHandler,
  RetryPolicy,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './bus.js';
export { frozen, withQuickCheck, type QuickCheck } from './codec.js';
export { DLQ_HEADERS, dlqTopic } from './dlq.js';
export { InProcessBus, type InProcessBusOptions } from './inprocess.js';
export { partitionFor } from './partitioner.js';
export { CompactedTable, type TableValue } from './table.js';
export { KafkaBus } from './kafka/bus.js';
export type { KafkaBusOptions, KafkaConsumerTuning } from './kafka/client.js';
