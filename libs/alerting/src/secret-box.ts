import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Webhook signing secrets must be kept to sign, so they are encrypted at rest with AES-256-GCM
 * under WEBHOOK_SECRET_KEY. The subscription id is the associated data: a ciphertext copied to
 * another row does not decrypt. Stored form: `enc:v1:<iv>:<tag>:<ciphertext>` (base64url).
 */
const PREFIX = 'enc:v1:';

/**
 * The key used when WEBHOOK_SECRET_KEY is not set: public (derived from this text), for the demo
 * and the tests only. Production refuses to start without a key (NODE_ENV=production).
 */
export const DEMO_WEBHOOK_SECRET_KEY = createHash('sha256')
  .update('risk-service demo webhook secret key: public, never use in production')
  .digest('hex');

/** WEBHOOK_SECRET_KEY's forms: 64 hex digits, or 32 bytes in base64 / base64url. */
export const WEBHOOK_SECRET_KEY_PATTERN = /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/;

export function secretKeyFrom(text: string): Buffer {
  const t = text.trim();
  if (!WEBHOOK_SECRET_KEY_PATTERN.test(t))
    throw new Error('WEBHOOK_SECRET_KEY must be 32 bytes: 64 hex digits or 44 base64 characters');
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error('WEBHOOK_SECRET_KEY must decode to 32 bytes');
  return key;
}

/** The key migrations use: they run before any config object exists, so they read the env. */
export function secretKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer {
  const text = env.WEBHOOK_SECRET_KEY;
  return secretKeyFrom(text && text.trim() !== '' ? text : DEMO_WEBHOOK_SECRET_KEY);
}

export function encryptSecret(key: Buffer, plain: string, boundTo: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `${PREFIX}${iv.toString('base64url')}:${tag.toString('base64url')}:${ct.toString('base64url')}`;
}

export function isEncryptedSecret(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** Throws when the text was not made by `encryptSecret` with this key for this id. */
export function decryptSecret(key: Buffer, stored: string, boundTo: string): string {
  if (!isEncryptedSecret(stored)) throw new Error('the stored secret is not encrypted');
  const [iv, tag, ct] = stored.slice(PREFIX.length).split(':');
  if (iv === undefined || tag === undefined || ct === undefined)
    throw new Error('the stored secret is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(boundTo, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}
