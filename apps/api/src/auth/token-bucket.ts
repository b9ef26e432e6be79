export interface Bucket {
  tokens: number;
  updatedMs: number;
}

export interface BucketLimits {
  ratePerSec: number;
  burst: number;
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
  const prev = bucket ?? { tokens: limits.burst, updatedMs: nowMs };
  const elapsed = Math.max(0, nowMs - prev.updatedMs);
  const tokens = Math.min(limits.burst, prev.tokens + (elapsed * limits.ratePerSec) / 1000);
  if (tokens >= 1)
    return { bucket: { tokens: tokens - 1, updatedMs: nowMs }, allowed: true, retryAfterMs: 0 };
  return {
    bucket: { tokens, updatedMs: nowMs },
    allowed: false,
    retryAfterMs: Math.ceil(((1 - tokens) * 1000) / limits.ratePerSec),
  };
}

/** Whether a token is available at `nowMs`, without taking it (and when one will be). */
export function peekToken(
  bucket: Bucket | undefined,
  limits: BucketLimits,
  nowMs: number,
): { available: boolean; retryAfterMs: number } {
  if (!bucket) return { available: true, retryAfterMs: 0 };
  const elapsed = Math.max(0, nowMs - bucket.updatedMs);
  const tokens = Math.min(limits.burst, bucket.tokens + (elapsed * limits.ratePerSec) / 1000);
  return tokens >= 1
    ? { available: true, retryAfterMs: 0 }
    : { available: false, retryAfterMs: Math.ceil(((1 - tokens) * 1000) / limits.ratePerSec) };
}
