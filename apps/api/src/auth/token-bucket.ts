export interface Bucket {
  tokens: number;
  updatedMs: number;
}

export interface BucketLimits {
  ratePerSec: number;
  burst: number;
}

/** Tokens in the bucket at `nowMs` (a bucket never seen is full). */
function tokensAt(bucket: Bucket | undefined, limits: BucketLimits, nowMs: number): number {
  if (!bucket) return limits.burst;
  const elapsed = Math.max(0, nowMs - bucket.updatedMs);
  return Math.min(limits.burst, bucket.tokens + (elapsed * limits.ratePerSec) / 1000);
}

/** How long until a bucket holding `tokens` has one. */
function msUntilToken(tokens: number, limits: BucketLimits): number {
  return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 1000) / limits.ratePerSec);
}

/**
 * Takes one token at time `nowMs`. Returns the bucket after the request and, when refused, how
 * long until a token is available (for Retry-After).
 */
export function takeToken(
  bucket: Bucket | undefined,
  limits: BucketLimits,
  nowMs: number,
): { bucket: Bucket; allowed: boolean; retryAfterMs: number } {
  const tokens = tokensAt(bucket, limits, nowMs);
  if (tokens >= 1)
    return { bucket: { tokens: tokens - 1, updatedMs: nowMs }, allowed: true, retryAfterMs: 0 };
  return {
    bucket: { tokens, updatedMs: nowMs },
    allowed: false,
    retryAfterMs: msUntilToken(tokens, limits),
  };
}

/** Whether a token is available at `nowMs`, without taking it (and when one will be). */
export function peekToken(
  bucket: Bucket | undefined,
  limits: BucketLimits,
  nowMs: number,
): { available: boolean; retryAfterMs: number } {
  const tokens = tokensAt(bucket, limits, nowMs);
  return { available: tokens >= 1, retryAfterMs: msUntilToken(tokens, limits) };
}
