/**
 * Ids seen recently, in two generations of at most `limit` each: the bus delivers at least once,
 * and a redelivered event must not be counted twice. Memory stays bounded whatever the traffic.
 */
export class SeenIds {
  private current = new Set<string>();
  private previous = new Set<string>();

  constructor(private readonly limit: number) {}

  /** True the first time `id` is offered (within the window). */
  add(id: string): boolean {
    if (this.current.has(id) || this.previous.has(id)) return false;
    if (this.current.size >= this.limit) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(id);
    return true;
  }
}
