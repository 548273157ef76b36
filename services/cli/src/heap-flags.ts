import { setFlagsFromString } from 'node:v8';

/**
 * V8 heap flags for the commands that run one watcher or the exporter alone. They hold little
 * (tens of MB) but read bursts of objects, or of response bytes, that are garbage a moment later:
 *
 * - `--heap-growing-percent=35` (eventer) and `20` (oom-watcher): V8's default growth lets old
 *   space swell to several times what is live before it collects. Growing it by 20% at a time
 *   held an eventer to about 175 MB after 100,000 events instead of about 300 MB, but V8 counts
 *   the bytes of every buffer read from the watch (and, on Kafka, every record kafkajs encodes)
 *   against that room, and ran a full collection every third of a second; 35% cost 5–10 MB more
 *   (about 181 MB in-process, 192 MB on Kafka) for 7% less CPU per event in-process and 15% less
 *   on Kafka (measured in one session: 47.7 against 44.3 µs, 102 against 87 µs).
 *   `--optimize-for-size` held RSS to 145 MB but cost a quarter to two fifths of the rate.
 * - `--semi-space-growth-factor=1 --heap-growing-percent=100` (exporter): V8 starts a full
 *   collection as soon as the room left in old space is no more than the young generation, and it
 *   counts every byte of every new buffer (each kubelet response: 21 MiB a scrape at 10,000
 *   containers) against that room. With the young generation grown to its 16 MB halves, the
 *   exporter ran three full collections a scrape; kept at its starting size (growth can only be
 *   stopped, not undone, so this is set before anything else loads, in bin/k2.js; V8 takes a
 *   factor below 2 only once it is running) and with old space let grow to twice what is live,
 *   about one every two scrapes, for 35 MB less RSS than before. At 10,000 containers: cluster
 *   scrapes 217 ms instead of 330 (50%: 230–300), RSS 123 MB.
 */
export const HEAP_FLAGS: Readonly<Record<string, string>> = {
  eventer: '--heap-growing-percent=35',
  'oom-watcher': '--heap-growing-percent=20',
  exporter: '--semi-space-growth-factor=1 --heap-growing-percent=100',
};

/** Sets the heap flags of `command` (the CLI's first argument), if it has any. */
export function setHeapFlags(command: string | undefined): void {
  const flags = command === undefined ? undefined : HEAP_FLAGS[command];
  if (flags) setFlagsFromString(flags);
}
