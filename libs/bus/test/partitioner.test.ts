import { Partitioners } from 'kafkajs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionFor } from '../src/index.js';

describe('partitionFor', () => {
  it("matches Kafka's default partitioner (murmur2), the one Java clients and kafkajs use", () => {
    const kafka = Partitioners.DefaultPartitioner();
    const keys = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'abcde',
      'k2.events/shop/cart-7d9f',
      'ünïcødé ✓',
      'x'.repeat(1000),
      '✓'.repeat(300),
      ...Array.from({ length: 500 }, (_, i) => `key-${i * 7919}`),
    ];
    for (const partitions of [1, 3, 4, 12, 100]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 1 }));
      for (const key of keys) {
        expect(partitionFor(key, partitions), `${key} over ${partitions}`).toBe(
          kafka({ topic: 't', partitionMetadata, message: { key, value: null } }),
        );
      }
    }
  });

  it('agrees with it on any key, short or long, in any script, one after another', () => {
    const kafka = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({ partitionId, leader: 1 }));
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 400 }), { minLength: 1, maxLength: 5 }), (keys) => {
        for (const key of keys)
          expect(partitionFor(key, 12)).toBe(kafka({ topic: 't', partitionMetadata, message: { key, value: null } }));
      }),
    );
  });
});
