import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signWebhook } from './signing';
import { formatPosition, parsePosition } from './stream-position';

describe('webhook signing', () => {
  it('signs id.timestamp.body with HMAC-SHA256 of the whsec_ secret, as Standard Webhooks says', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const at = new Date();
    const body = JSON.stringify({ id: 'a-1', level: 'HIGH' });
    const h = signWebhook(secret, 'msg_1', at, body);
    const ts = String(Math.floor(at.getTime() / 1000));
    expect(h['webhook-timestamp']).toBe(ts);
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`msg_1.${ts}.${body}`).digest('base64');
    expect(h['webhook-signature']).toBe(`v1,${expected}`);
    expect(() => new Webhook(secret).verify(body, { ...h })).not.toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, { ...h })).toThrow();
  });
});

describe('stream positions', () => {
  it('round-trips and rejects anything else', () => {
    expect(parsePosition(formatPosition({ txId: '123', seq: '45' }))).toEqual({
      txId: '123',
      seq: '45',
    });
    expect(parsePosition('-1-0')).toEqual({ txId: '-1', seq: '0' });
    for (const bad of ['', 'x', '1', '1-', '-2-0', '1-2-3', "1-2'; drop"])
      expect(parsePosition(bad)).toBeNull();
  });
});
