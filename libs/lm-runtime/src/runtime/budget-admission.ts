/**
 * Whether a model call can finish within what is left of its caller's latency budget, from how
 * long calls of its class took lately: a call that would only be dropped at its deadline is not
 * started, so the model's time goes to calls that finish (and the CPU to the evaluations). The
 * estimate is an EWMA of finished calls' latencies; a call dropped at its deadline took at least
 * that long, so it never lowers the estimate. While calls are refused, one is let through every
 * `probeMs` to measure again (the load may have eased).
 */
export class BudgetAdmission {
  private readonly classes = new Map<string, { estimateMs: number; lastTried: number }>();

  constructor(
    private readonly probeMs = 10_000,
    private readonly alpha = 0.3,
  ) {}

  /** The latency expected of a call of `cls` (ms), undefined before any was measured. */
  estimate(cls: string): number | undefined {
    return this.classes.get(cls)?.estimateMs;
  }

  /** Whether to start a call of `cls` with `remainingMs` of its budget left, at `now` (ms). */
  admit(cls: string, remainingMs: number, now: number): boolean {
    const c = this.classes.get(cls);
    if (!c || c.estimateMs <= remainingMs || now - c.lastTried >= this.probeMs) {
      if (c) c.lastTried = now;
      return true;
    }
    return false;
  }

  /** A call of `cls` finished in `ms`. */
  finished(cls: string, ms: number, now: number): void {
    const c = this.classes.get(cls);
    if (!c) this.classes.set(cls, { estimateMs: ms, lastTried: now });
    else c.estimateMs += this.alpha * (ms - c.estimateMs);
  }

  /** A call of `cls` was dropped at its deadline after `ms`: it would have taken longer. */
  cut(cls: string, ms: number, now: number): void {
    const c = this.classes.get(cls);
    if (!c) this.classes.set(cls, { estimateMs: ms, lastTried: now });
    else c.estimateMs = Math.max(c.estimateMs, ms);
  }
}
