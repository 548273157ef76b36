import { Kafka, logLevel, type KafkaConfig, type LogEntry, type RetryOptions } from 'kafkajs';
import type { BusLog } from '../bus.js';
import { useFastGzip } from './compression.js';

export interface KafkaBusOptions {
  /** `host:port` seeds, as a list or comma-separated. */
  brokers: string | readonly string[];
  /** Default `k2`. */
  clientId?: string;
  /** Passed to kafkajs as they are. */
  ssl?: KafkaConfig['ssl'];
  sasl?: KafkaConfig['sasl'];
  /** Connection and request retries (kafkajs `retry`). Consumers restart after exhausting them; publishes retry without limit. */
  retry?: RetryOptions;
  /** For topics `ensureTopics` creates. Default: min(3, brokers in the cluster). */
  replicationFactor?: number;
  /** How long `publish` waits to batch calls into one produce request. Default 5 ms. */
  lingerMs?: number;
  consumer?: KafkaConsumerTuning;
  log?: BusLog;
}

/** kafkajs consumer settings worth changing (tests shorten them; operators may lengthen them). */
export interface KafkaConsumerTuning {
  /** Default 30 s: a member silent this long is dropped from its group. */
  sessionTimeout?: number;
  /** Default 3 s. */
  heartbeatInterval?: number;
  /** Default 60 s: how long a rebalance waits for members to rejoin. */
  rebalanceTimeout?: number;
  /** Default 500 ms (Java's fetch.max.wait.ms): the longest a fetch waits for data; pause and close can take this long. */
  maxWaitTimeInMs?: number;
  /** Partitions handled at once per member. Default 4. */
  partitionsConsumedConcurrently?: number;
  /** Within a long batch, commit at least this often. Default 1 s; every batch also commits when it ends. */
  commitIntervalMs?: number;
}

export function createClient(options: KafkaBusOptions): Kafka {
  useFastGzip();
  const brokers =
    typeof options.brokers === 'string'
      ? options.brokers
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean)
      : [...options.brokers];
  const log = options.log;
  return new Kafka({
    clientId: options.clientId ?? 'k2',
    brokers,
    ssl: options.ssl,
    sasl: options.sasl,
    retry: options.retry,
    // kafkajs reports retries it recovers from at WARN and gives-ups at ERROR; without a log, stay quiet.
    logLevel: log ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, timestamp: _ts, ...extra } = entry.log;
      const line = { kafkajs: entry.namespace, ...extra };
      if (entry.level === logLevel.ERROR) log.error(line, `kafka: ${message}`);
      else if (entry.level === logLevel.WARN) log.warn(line, `kafka: ${message}`);
      else log.info(line, `kafka: ${message}`);
    },
  });
}
