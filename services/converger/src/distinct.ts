/*
 * Counting distinct objects in constant space, for incidents with more objects than a record
 * names: linear counting over a 1024-bit bitmap. Setting a bit is idempotent and order-free, so
 * redeliveries do not inflate the figure. Unbiased, and within about 5% up to 2,000 objects.
 */

const BITS = 1024;

/** FNV-1a, 32-bit, with murmur3's finaliser so that names differing in their last letters spread evenly. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function newBitmap(): number[] {
  return new Array<number>(BITS / 32).fill(0);
}

export function addObject(bitmap: number[], kind: string, name: string): void {
  const bit = hash(`${kind}/${name}`) % BITS;
  bitmap[bit >> 5]! |= 1 << (bit & 31);
}

export function mergeBitmaps(into: number[], from: readonly number[]): void {
  from.forEach((word, i) => (into[i]! |= word));
}

export function estimateDistinct(bitmap: readonly number[]): number {
  let zeros = 0;
  for (const word of bitmap) {
    let w = word;
    let ones = 0;
    while (w !== 0) {
      w &= w - 1;
      ones++;
    }
    zeros += 32 - ones;
  }
  // A full bitmap says "at least this many"; report the estimate at one zero bit.
  return Math.round(-BITS * Math.log(Math.max(zeros, 1) / BITS));
}
