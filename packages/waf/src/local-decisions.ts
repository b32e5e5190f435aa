/**
 * Sources this WAF decided to deceive itself. Remembered at once, before the server's decision
 * comes back on the push stream, so the attacker's very next request already goes to the sandbox.
 * Bounded: past MAX_ENTRIES the oldest entries are dropped (the server's decision still holds).
 */
const MAX_ENTRIES = 100_000;

export class LocalDecisions {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Marks `ip` for `ms` milliseconds; returns false when it was already marked (no new decision). */
  mark(ip: string, ms: number): boolean {
    const fresh = !this.has(ip);
    this.until.delete(ip);
    this.until.set(ip, this.now() + ms);
    if (this.until.size > MAX_ENTRIES) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
    return fresh;
  }

  has(ip: string): boolean {
    const t = this.until.get(ip);
    if (t === undefined) return false;
    if (t <= this.now()) {
      this.until.delete(ip);
      return false;
    }
    return true;
  }

  get size(): number {
    return this.until.size;
  }
}
