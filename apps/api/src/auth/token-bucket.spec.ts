import { bearerToken, generateApiKey, hashApiKey, roleAllows, sameHash } from './api-keys';
import { peekToken, takeToken, type Bucket } from './token-bucket';

describe('token bucket', () => {
  const limits = { ratePerSec: 2, burst: 3 };

  it('allows a burst, then refills at the rate and says when to retry', () => {
    let b: Bucket | undefined;
    const at = (ms: number) => {
      const r = takeToken(b, limits, ms);
      b = r.bucket;
      return r;
    };
    expect([at(0), at(0), at(0)].every((r) => r.allowed)).toBe(true);
    const refused = at(0);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(500);
    expect(at(499).allowed).toBe(false);
    expect(at(500).allowed).toBe(true);
    // Never more than the burst, however long idle.
    expect([at(1e9), at(1e9), at(1e9), at(1e9)].map((r) => r.allowed)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});

describe('token bucket peek', () => {
  it('says whether a token is there without taking it', () => {
    const limits = { ratePerSec: 1, burst: 1 };
    expect(peekToken(undefined, limits, 0)).toEqual({ available: true, retryAfterMs: 0 });
    const { bucket } = takeToken(undefined, limits, 0);
    expect(peekToken(bucket, limits, 0)).toEqual({ available: false, retryAfterMs: 1000 });
    expect(peekToken(bucket, limits, 0)).toEqual({ available: false, retryAfterMs: 1000 });
    expect(peekToken(bucket, limits, 1000)).toEqual({ available: true, retryAfterMs: 0 });
  });
});

describe('api keys', () => {
  it('are random, stored as a SHA-256 and compared in constant time', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(/^rsk_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sameHash(a.hash, hashApiKey(a.key))).toBe(true);
    expect(sameHash(a.hash, b.hash)).toBe(false);
    expect(sameHash(a.hash, '')).toBe(false);
  });

  it('reads bearer tokens and roles', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer ')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(roleAllows('viewer', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'admin')).toBe(false);
    expect(roleAllows('admin', 'admin')).toBe(true);
  });
});
