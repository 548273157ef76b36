/**
 * Key → partition, the same way Kafka's Java client (and kafkajs's DefaultPartitioner) does it:
 * murmur2 of the UTF-8 key, made positive, modulo the partition count. Both backends use it, so a
 * key lands on the same partition in-process and in Kafka, and next to records from Java producers.
 */
let scratch = Buffer.allocUnsafe(256);

export function partitionFor(key: string, partitions: number): number {
  // A topic of one partition (a compacted table such as k2.checkpoints) needs no hash.
  if (partitions === 1) return 0;
  // At most 3 bytes per UTF-16 unit; keys are short and hashed once per record, so they are
  // encoded into one reused buffer rather than a new one each.
  if (key.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(key.length * 3);
  return (murmur2(scratch, scratch.write(key, 'utf8')) & 0x7fffffff) % partitions;
}

/** Kafka's `Utils.murmur2` (seed 0x9747b28c) of the first `length` bytes, in 32-bit integer arithmetic. */
function murmur2(data: Buffer, length: number): number {
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data.readUInt8(whole + 2) << 16;
  if (rest >= 2) h ^= data.readUInt8(whole + 1) << 8;
  if (rest >= 1) h = Math.imul(h ^ data.readUInt8(whole), m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
