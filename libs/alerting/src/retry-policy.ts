/** What one attempt's answer means for the delivery. */
export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'gone';

export interface AttemptResult {
  /** HTTP status, or null when no answer came (refused, timeout, blocked address). */
  statusCode: number | null;
  /** Retry-After of the answer, already in ms from now. */
  retryAfterMs: number | null;
}

export interface RetryPolicy {
  /** Delay before each attempt, in ms: schedule[0] before the first, schedule[n] before n+1. */
  scheduleMs: number[];
  /** ± fraction of each delay, drawn uniformly, so receivers coming back are not stampeded. */
  jitter: number;
}

/** Retry-After is either seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

/** A 2xx ends the delivery; 410 Gone ends it and disables the subscription; the rest retries. */
export function classifyAnswer(statusCode: number | null): 'delivered' | 'gone' | 'retry' {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return 'delivered';
  if (statusCode === 410) return 'gone';
  return 'retry';
}

/**
 * After attempt number `attempt` (1-based) failed: the delay before the next one, or null when
 * the schedule is exhausted. A Retry-After longer than the scheduled delay wins, capped at the
 * longest step of the schedule so a receiver cannot park a delivery forever.
 */
export function delayBeforeNextAttempt(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  if (attempt >= policy.scheduleMs.length) return null;
  const base = policy.scheduleMs[attempt];
  const jittered = Math.round(base * (1 + policy.jitter * (2 * random() - 1)));
  if (retryAfterMs === null) return Math.max(0, jittered);
  const cap = Math.max(...policy.scheduleMs);
  return Math.max(0, jittered, Math.min(retryAfterMs, cap));
}

/** The whole decision for one attempt's result. */
export function decideAfterAttempt(
  policy: RetryPolicy,
  attempt: number,
  result: AttemptResult,
  random: () => number = Math.random,
): { outcome: AttemptOutcome; retryInMs: number | null } {
  const answer = classifyAnswer(result.statusCode);
  if (answer !== 'retry') return { outcome: answer, retryInMs: null };
  const delay = delayBeforeNextAttempt(policy, attempt, result.retryAfterMs, random);
  return delay === null
    ? { outcome: 'failed', retryInMs: null }
    : { outcome: 'retry', retryInMs: delay };
}
