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

  it('refuses NUL characters and lone surrogates in text, saying so', () => {
    const r = decodeInput(
      'news',
      Buffer.from('n-1'),
      Buffer.from(JSON.stringify({ ...VALID_SAMPLES.news, headline: 'a\u0000b' })),
    );
    expect(!r.ok && r.error.message).toBe(
      'headline: must not contain NUL characters or lone surrogates',
    );
    // A surrogate pair (an emoji) is fine.
    const ok = decodeInput(
      'news',
      Buffer.from('n-1'),
      Buffer.from(JSON.stringify({ ...VALID_SAMPLES.news, headline: 'Rally \u{1F680}' })),
    );
    expect(ok.ok).toBe(true);
  });

  describe('clock skew', () => {
    // The samples are dated 2026-11-30 09:00..09:31; the service clock stands at 09:00.
    const clock = { nowMs: Date.parse('2026-11-30T09:00:00.000Z'), maxClockSkewMs: 300_000 };
    const at = (ts: string) => ({
      tick: [Buffer.from('AAPL'), { ...VALID_SAMPLES.tick, ts }],
      news: [Buffer.from('n-1'), { ...VALID_SAMPLES.news, ts }],
      positions: [Buffer.from('pf-alpha'), { ...VALID_SAMPLES.snap, ts }],
    });

    it.each(['tick', 'news', 'positions'] as const)(
      'refuses a %s dated more than MAX_CLOCK_SKEW_MS ahead',
      (kind) => {
        const [key, far] = at('9999-12-31T23:59:59.000Z')[kind];
        const r = decodeInput(kind, key as Buffer, Buffer.from(JSON.stringify(far)), clock);
        expect(!r.ok && r.error.code).toBe(DecodeErrorCode.FutureTime);
        expect(!r.ok && r.error.message).toMatch(/9999-12-31T23:59:59.000Z is \d+ s ahead/);
        // Exactly at the limit (09:05:00.000) is accepted, a millisecond later is not.
        const [, edge] = at('2026-11-30T09:05:00.000Z')[kind];
        expect(decodeInput(kind, key as Buffer, Buffer.from(JSON.stringify(edge)), clock).ok).toBe(
          true,
        );
        const [, past] = at('2026-11-30T09:05:00.001Z')[kind];
        expect(decodeInput(kind, key as Buffer, Buffer.from(JSON.stringify(past)), clock).ok).toBe(
          false,
        );
      },
    );

    it('checks nothing without a clock (offline tools reading recorded streams)', () => {
      const [key, far] = at('9999-12-31T23:59:59.000Z').tick;
      expect(decodeInput('tick', key as Buffer, Buffer.from(JSON.stringify(far))).ok).toBe(true);
    });
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
