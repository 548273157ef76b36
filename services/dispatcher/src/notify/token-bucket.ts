/** A token bucket: `capacity` tokens, refilled evenly over `perMs`; a provider throttle blocks it for a while. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private blockedUntil = 0;

  constructor(
    readonly capacity: number,
    readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) * this.capacity) / this.perMs);
      this.updatedAt = now;
    }
  }

  tryTake(now: number): boolean {
    if (now < this.blockedUntil) return false;
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The provider throttles: sends must wait. */
  blocked(now: number): boolean {
    return now < this.blockedUntil;
  }

  /** When the next token will be there. */
  nextTokenAt(now: number): number {
    if (now < this.blockedUntil) return this.blockedUntil;
    this.refill(now);
    return this.tokens >= 1 ? now : now + Math.ceil(((1 - this.tokens) * this.perMs) / this.capacity);
  }

  /** The provider said stop: no tokens until `until`, then one (the digest of what waited). */
  block(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
    this.tokens = 1;
    this.updatedAt = this.blockedUntil;
  }
}
