/**
 * Whether a model call can finish within what is left of its caller's latency budget, from how
 * long calls of its class took lately: a call that would only be dropped at its deadline is not
 * started, so the model's time goes to calls that finish (and the CPU to the evaluations). The
 * estimate is an EWMA of finished calls' latencies; a call dropped at its deadline took at least
 * that long, so it never lowers the estimate. While calls are refused, every `probeMs` one is
 * answered `probe`: the caller refuses it too but measures the model again with a call of its own
 * that nobody waits for (the load may have eased), so no caller pays the probe's wait.
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

  /**
   * Whether to start a call of `cls` with `remainingMs` of its budget left, at `now` (ms): `run`;
   * `refuse`; or `probe`, refused but time to measure again (one in `probeMs` while refusing).
   */
  admit(cls: string, remainingMs: number, now: number): 'run' | 'refuse' | 'probe' {
    const c = this.classes.get(cls);
    if (!c || c.estimateMs <= remainingMs) return 'run';
    if (now - c.lastTried >= this.probeMs) {
      c.lastTried = now;
      return 'probe';
    }
    return 'refuse';
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
