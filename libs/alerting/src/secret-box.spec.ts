import {
  DEMO_WEBHOOK_SECRET_KEY,
  decryptSecret,
  encryptSecret,
  isEncryptedSecret,
  secretKeyFrom,
  secretKeyFromEnv,
} from './secret-box';
import { newWebhookSecret, signWebhook } from './signing';

describe('webhook secret box', () => {
  const key = secretKeyFrom('11'.repeat(32));
  const other = secretKeyFrom(Buffer.alloc(32, 7).toString('base64'));

  it('round-trips a secret, bound to its subscription, and never stores it in clear', () => {
    const secret = newWebhookSecret();
    const stored = encryptSecret(key, secret, 'sub-1');
    expect(isEncryptedSecret(stored)).toBe(true);
    expect(stored).not.toContain(secret.slice(6, 20));
    expect(encryptSecret(key, secret, 'sub-1')).not.toBe(stored);
    expect(decryptSecret(key, stored, 'sub-1')).toBe(secret);
    expect(() => decryptSecret(key, stored, 'sub-2')).toThrow();
    expect(() => decryptSecret(other, stored, 'sub-1')).toThrow();
    expect(() => decryptSecret(key, secret, 'sub-1')).toThrow(/not encrypted/);
  });

  it('signs the same after a round trip', () => {
    const secret = newWebhookSecret();
    const at = new Date('2024-01-02T03:04:05Z');
    const back = decryptSecret(key, encryptSecret(key, secret, 'x'), 'x');
    expect(signWebhook(back, 'msg_1', at, '{}')).toEqual(signWebhook(secret, 'msg_1', at, '{}'));
  });

  it('reads the key as hex or base64 and refuses anything else', () => {
    expect(secretKeyFrom('ab'.repeat(32))).toHaveLength(32);
    expect(secretKeyFrom(Buffer.alloc(32, 1).toString('base64url'))).toHaveLength(32);
    expect(() => secretKeyFrom('short')).toThrow(/32 bytes/);
    expect(() => secretKeyFrom('zz'.repeat(32))).toThrow();
    expect(secretKeyFromEnv({})).toEqual(secretKeyFrom(DEMO_WEBHOOK_SECRET_KEY));
    expect(secretKeyFromEnv({ WEBHOOK_SECRET_KEY: 'ab'.repeat(32) })).toEqual(
      secretKeyFrom('ab'.repeat(32)),
    );
  });
});
