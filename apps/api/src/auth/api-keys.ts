import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_ROLES = ['viewer', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export function isApiRole(v: string): v is ApiRole {
  return (API_ROLES as readonly string[]).includes(v);
}

/** `rsk_` and 32 random bytes: high entropy, so one SHA-256 is a sound way to store it. */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `rsk_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

const KEY_SHAPE = /^rsk_[A-Za-z0-9_-]{43}$/;

/** Shaped like a key `generateApiKey` makes: anything else is refused without a look-up. */
export function isWellFormedApiKey(token: string): boolean {
  return KEY_SHAPE.test(token);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The key of an `Authorization: Bearer <key>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return m ? m[1] : null;
}

export function roleAllows(role: ApiRole, needed: ApiRole): boolean {
  return needed === 'viewer' || role === 'admin';
}
