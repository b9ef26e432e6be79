import { buildDeadLetter } from './dead-letter';
import { DecodeErrorCode, decodeInput } from './decode-message';
import { MALFORMED_CASES, VALID_SAMPLES } from './malformed-fixtures';

const buf = (v: Buffer | string | null) =>
  v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);

describe('decodeInput', () => {
  it('has at least 20 distinct kinds of malformed input', () => {
    expect(new Set(MALFORMED_CASES.map((c) => c.name)).size).toBeGreaterThanOrEqual(20);
  });

  it.each(MALFORMED_CASES.map((c) => [c.name, c] as const))('refuses %s with a reason', (_n, c) => {
    const r = decodeInput(c.kind, buf(c.key), buf(c.value));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(c.code);
      expect(r.error.message.length).toBeGreaterThan(5);
    }
  });

  it('accepts the contract examples', () => {
    expect(
      decodeInput('tick', Buffer.from('AAPL'), Buffer.from(JSON.stringify(VALID_SAMPLES.tick))).ok,
    ).toBe(true);
    expect(
      decodeInput('news', Buffer.from('n-1'), Buffer.from(JSON.stringify(VALID_SAMPLES.news))).ok,
    ).toBe(true);
    const r = decodeInput(
      'positions',
      Buffer.from('pf-alpha'),
      Buffer.from(JSON.stringify(VALID_SAMPLES.snap)),
    );
    expect(r.ok).toBe(true);
  });

  it('defaults news symbols to an empty list and tolerates unknown top-level fields', () => {
    const r = decodeInput(
      'news',
      Buffer.from('n-9'),
      Buffer.from('{"id":"n-9","ts":"2026-11-30T09:31:05Z","headline":"x","extra":1}'),
    );
    expect(r.ok && r.value.symbols).toEqual([]);
  });

  it('names the field at fault', () => {
    const r = decodeInput(
      'tick',
      Buffer.from('AAPL'),
      Buffer.from('{"id":"t","symbol":"AAPL","price":-1,"ts":"2026-11-30T09:30:00.000Z"}'),
    );
    expect(!r.ok && r.error.message).toMatch(/^price: /);
  });
});

describe('buildDeadLetter', () => {
  it('keeps UTF-8 payloads as text and others as base64', () => {
    const now = new Date('2026-11-30T10:00:00.000Z');
    const error = { code: DecodeErrorCode.InvalidJson, message: 'bad' };
    const text = buildDeadLetter({
      topic: 't',
      partition: 1,
      offset: '7',
      key: Buffer.from('k'),
      value: Buffer.from('{x'),
      error,
      now,
    });
    expect(text).toMatchObject({
      topic: 't',
      partition: 1,
      offset: '7',
      key: 'k',
      value: '{x',
      error: 'bad',
      ts: now.toISOString(),
    });
    expect(text.encoding).toBeUndefined();
    const bin = buildDeadLetter({
      topic: 't',
      partition: 0,
      offset: '1',
      key: null,
      value: Buffer.from([0xff, 0x00]),
      error,
      now,
    });
    expect(bin.encoding).toBe('base64');
    expect(Buffer.from(bin.value!, 'base64')).toEqual(Buffer.from([0xff, 0x00]));
  });
});
