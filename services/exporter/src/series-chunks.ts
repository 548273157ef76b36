/** Bytes of one chunk: large enough that a scrape is a few hundred writes, small enough to drop each as it is sent. */
const CHUNK = 64 * 1024;

/** The most bytes a sample value is written in: 16 digits of an integer, or a double's shortest text. */
export const MAX_VALUE_BYTES = 32;

/**
 * Text-format lines written as bytes into chunks of about 64 KiB, each handed on when full: no
 * string per line or per value, and no copy of the whole text. Two buffers take turns, so a chunk
 * is written over once the one after it is handed on (the reader sends one while the next is
 * written), and a scrape allocates no memory for its text: V8 counts every new buffer's bytes
 * towards its next full garbage collection.
 */
export class SeriesChunks {
  private chunk = Buffer.allocUnsafe(CHUNK);
  private other = Buffer.allocUnsafe(CHUNK);
  private used = 0;

  /**
   * Makes room for `size` more bytes: the chunk filled so far, to send, when it had no room
   * (undefined when it had, or was empty).
   */
  room(size: number): Buffer | undefined {
    if (this.used + size <= this.chunk.length) return undefined;
    const full = this.used > 0 ? this.chunk.subarray(0, this.used) : undefined;
    [this.chunk, this.other] = [this.other, this.chunk];
    if (size > this.chunk.length) this.chunk = Buffer.allocUnsafe(size);
    this.used = 0;
    return full;
  }

  /** `b`, which must fit in the room made. */
  bytes(b: Buffer): void {
    // TypedArray set, not Buffer copy: a built-in V8 inlines, where copy calls into C++ for each label set.
    this.chunk.set(b, this.used);
    this.used += b.length;
  }

  /** A sample value, as the text format writes it; needs MAX_VALUE_BYTES of room. */
  value(v: number): void {
    if (Number.isSafeInteger(v) && v >= 0) {
      // Byte counts: below 2^32 the digits come from integer arithmetic; larger ones in two parts.
      if (v > 0xffffffff) {
        const high = Math.floor(v / 1e9);
        this.digits(high >>> 0, 0);
        this.digits(v - high * 1e9, 9);
      } else {
        this.digits(v, 0);
      }
      return;
    }
    const text = Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
    this.used += this.chunk.write(text, this.used, 'latin1');
  }

  /** The decimal digits of n (below 2^32), zero-padded to `width`. */
  private digits(n: number, width: number): void {
    let rest = n >>> 0;
    let count = 1;
    for (let p = 10; p <= rest && count < 10; p *= 10) count++;
    if (count < width) count = width;
    let at = this.used + count;
    this.used = at;
    for (let i = 0; i < count; i++) {
      const next = (rest / 10) >>> 0;
      this.chunk[--at] = 0x30 + rest - next * 10;
      rest = next;
    }
  }

  byte(b: number): void {
    this.chunk[this.used++] = b;
  }

  /** What is left to send (undefined when nothing); the writer is spent. */
  rest(): Buffer | undefined {
    const rest = this.used > 0 ? this.chunk.subarray(0, this.used) : undefined;
    this.used = 0;
    return rest;
  }
}
