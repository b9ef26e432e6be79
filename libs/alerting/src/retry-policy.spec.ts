import {
  classifyAnswer,
  decideAfterAttempt,
  delayBeforeNextAttempt,
  parseRetryAfter,
  type RetryPolicy,
} from './retry-policy';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const policy: RetryPolicy = {
  scheduleMs: [0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H],
  jitter: 0.2,
};
const mid = () => 0.5;

describe('retry policy', () => {
  it('follows the schedule without jitter at the midpoint, then gives up', () => {
    const delays = [];
    for (let attempt = 1; attempt <= 10; attempt++)
      delays.push(delayBeforeNextAttempt(policy, attempt, null, mid));
    expect(delays).toEqual([
      5 * S,
      5 * M,
      30 * M,
      2 * H,
      5 * H,
      10 * H,
      14 * H,
      20 * H,
      24 * H,
      null,
    ]);
    // The schedule spans more than 24 hours.
    expect(policy.scheduleMs.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * H);
  });

  it('jitters each delay within ± the jitter fraction', () => {
    expect(delayBeforeNextAttempt(policy, 1, null, () => 0)).toBe(4 * S);
    expect(delayBeforeNextAttempt(policy, 1, null, () => 1)).toBe(6 * S);
    expect(delayBeforeNextAttempt({ ...policy, jitter: 0 }, 2, null, Math.random)).toBe(5 * M);
  });

  it('honours a longer Retry-After, capped at the longest step', () => {
    expect(delayBeforeNextAttempt(policy, 1, 60 * S, mid)).toBe(60 * S);
    expect(delayBeforeNextAttempt(policy, 1, 1 * S, mid)).toBe(5 * S);
    expect(delayBeforeNextAttempt(policy, 1, 100 * H, mid)).toBe(24 * H);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-11-30T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120 * S);
    expect(parseRetryAfter('Mon, 30 Nov 2026 10:01:00 GMT', now)).toBe(60 * S);
    expect(parseRetryAfter('Mon, 30 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  it('ends on 2xx, disables on 410 and retries the rest (including 3xx: no redirects)', () => {
    expect(classifyAnswer(200)).toBe('delivered');
    expect(classifyAnswer(204)).toBe('delivered');
    expect(classifyAnswer(410)).toBe('gone');
    for (const s of [null, 301, 302, 400, 404, 429, 500, 503])
      expect(classifyAnswer(s)).toBe('retry');
    expect(decideAfterAttempt(policy, 1, { statusCode: 503, retryAfterMs: null }, mid)).toEqual({
      outcome: 'retry',
      retryInMs: 5 * S,
    });
    expect(decideAfterAttempt(policy, 10, { statusCode: 503, retryAfterMs: null }, mid)).toEqual({
      outcome: 'failed',
      retryInMs: null,
    });
    expect(decideAfterAttempt(policy, 3, { statusCode: 410, retryAfterMs: null })).toEqual({
      outcome: 'gone',
      retryInMs: null,
    });
  });
});
