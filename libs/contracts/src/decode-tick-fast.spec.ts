import fc from 'fast-check';
import { DecodeErrorCode, decodeInput } from './decode-message';
import { decodeTickFast, isoUtcMs, scanTick } from './decode-tick-fast';
import { MALFORMED_CASES, VALID_SAMPLES } from './malformed-fixtures';

const buf = (v: Buffer | string | null) =>
  v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);

describe('decodeTickFast', () => {
  it('accepts exactly what the schema accepts, with the same value', () => {
    const field = fc.oneof(
      fc.constantFrom('t-1', 'AAPL', 'aapl', '', 'x'.repeat(129), 'id with space', 'BRK.B', 'A-1'),
      fc.constantFrom(
        '2026-11-30T09:30:00.000Z',
        '2026-11-30T09:30:00Z',
        '2026-13-45T09:30:00.000Z',
        '2026-11-30T09:30:00',
        '2026-11-30T09:30:00.123456789Z',
      ),
      fc.double({ noNaN: false }),
      fc.constantFrom(0, -1, 1e300, 182.31, 1e9, 1e9 + 1, Infinity),
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
    );
    const tick = fc.record(
      { id: field, symbol: field, price: field, ts: field, volume: field, extra: field },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(tick, fc.constantFrom('AAPL', 'aapl', 'BRK.B', 't-1', ''), (t, key) => {
        const value = Buffer.from(JSON.stringify(t));
        const k = Buffer.from(key);
        const slow = decodeInput('tick', k, value);
        const fast = decodeTickFast(k, value);
        expect(fast.ok).toBe(slow.ok);
        if (fast.ok && slow.ok) {
          expect(fast.value.tick).toEqual(slow.value);
          expect(fast.value.tsMs).toBe(Date.parse(slow.value.ts));
        }
        if (!fast.ok && !slow.ok) expect(fast.error).toEqual(slow.error);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a tick dated beyond the clock skew on the fast path too', () => {
    const clock = { nowMs: Date.parse('2026-11-30T09:30:00.000Z'), maxClockSkewMs: 300_000 };
    const value = (ts: string) =>
      Buffer.from(JSON.stringify({ id: 't-1', symbol: 'AAPL', price: 182.31, ts }));
    const far = decodeTickFast(Buffer.from('AAPL'), value('9999-12-31T23:59:59.000Z'), clock);
    expect(!far.ok && far.error.code).toBe(DecodeErrorCode.FutureTime);
    // A form the scanner does not take (whitespace) goes the general way and is refused alike.
    const spaced = Buffer.from(
      '{ "id": "t-1", "symbol": "AAPL", "price": 1, "ts": "9999-12-31T23:59:59.000Z" }',
    );
    const slow = decodeTickFast(Buffer.from('AAPL'), spaced, clock);
    expect(!slow.ok && slow.error.code).toBe(DecodeErrorCode.FutureTime);
    expect(decodeTickFast(Buffer.from('AAPL'), value('2026-11-30T09:35:00.000Z'), clock).ok).toBe(
      true,
    );
  });

  it('refuses every malformed tick with the schema reason', () => {
    for (const c of MALFORMED_CASES.filter((m) => m.kind === 'tick')) {
      const r = decodeTickFast(buf(c.key), buf(c.value));
      expect({ name: c.name, ok: r.ok, code: r.ok ? null : r.error.code }).toEqual({
        name: c.name,
        ok: false,
        code: c.code,
      });
    }
    expect(
      decodeTickFast(Buffer.from('AAPL'), Buffer.from(JSON.stringify(VALID_SAMPLES.tick))).ok,
    ).toBe(true);
  });

  // The byte scanner (no JSON.parse) in front of the general path: whatever it accepts, the
  // schema accepts with the same value; whatever it cannot take falls through to the schema.
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const isoTime = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
      fc.integer({ min: 0, max: 61 }),
      fc.stringMatching(/^(\.\d{1,10})?$/),
    )
    .map(
      ([y, mo, d, h, mi, s, frac]) =>
        `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac}Z`,
    );

  it('computes the time exactly as Date.parse wherever it answers', () => {
    fc.assert(
      fc.property(isoTime, (ts) => {
        const ms = isoUtcMs(Buffer.from(ts), 0, ts.length);
        if (ms !== undefined) expect(ms).toBe(Date.parse(ts));
      }),
      { numRuns: 20000 },
    );
    const common = '2026-11-30T09:30:00.250Z';
    expect(isoUtcMs(Buffer.from(common), 0, common.length)).toBe(Date.parse(common));
  });

  const textField = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9._:-]{0,130}$/),
    fc.stringMatching(/^[A-Z0-9][A-Z0-9.-]{0,17}$/),
    fc.constantFrom('AAPL', 'BRK.B', '.A', '-A', 'a"b', 'a\\b', 'é', '\u0000', 'A B', ''),
    fc.string({ unit: 'binary', maxLength: 6 }),
    isoTime,
  );
  const numberField = fc.oneof(
    fc.double(),
    fc.integer({ min: -5, max: 2e9 }),
    fc
      .tuple(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 12 }))
      .map(([m, k]) => m / 10 ** k),
    fc.constantFrom(0, -0, 1e9, 1e9 + 1e-6, 123456789012345, 1234567890123456, 1e-7, 5e-324),
  );
  const anyField = fc.oneof(textField, numberField, isoTime, fc.constant(null), fc.boolean());
  const tickLike = fc
    .record(
      {
        id: fc.oneof(textField, anyField),
        symbol: fc.oneof(textField, anyField),
        price: fc.oneof(numberField, anyField),
        ts: fc.oneof(isoTime, anyField),
        volume: fc.oneof(numberField, anyField),
        extra: anyField,
      },
      { requiredKeys: [] },
    )
    .chain((t) =>
      fc.shuffledSubarray(Object.entries(t), { minLength: 0 }).map((e) => Object.fromEntries(e)),
    );
  const sameAsSchema = (key: Buffer, value: Buffer) => {
    const slow = decodeInput('tick', key, value);
    const scanned = scanTick(key, value);
    if (scanned) {
      expect(slow.ok).toBe(true);
      if (slow.ok) expect(scanned.tick).toEqual(slow.value);
      expect(scanned.tsMs).toBe(Date.parse(scanned.tick.ts));
      expect(Object.keys(scanned.tick)).toEqual(
        Object.keys(slow.ok ? slow.value : {}).filter((k) => k in scanned.tick),
      );
    }
    const fast = decodeTickFast(key, value);
    expect(fast.ok).toBe(slow.ok);
    if (fast.ok && slow.ok) expect(fast.value.tick).toEqual(slow.value);
    if (!fast.ok && !slow.ok) expect(fast.error).toEqual(slow.error);
  };

  it('scans compact ticks to exactly what the schema decodes', () => {
    fc.assert(
      fc.property(tickLike, fc.oneof(textField, fc.constant('AAPL')), (t, key) => {
        const k = Buffer.from(typeof t.symbol === 'string' && key === 'AAPL' ? t.symbol : key);
        sameAsSchema(k, Buffer.from(JSON.stringify(t)));
      }),
      { numRuns: 20000 },
    );
  });

  it('scans byte-mutated ticks to exactly what the schema decodes', () => {
    const valid = fc.record({
      id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/),
      symbol: fc.stringMatching(/^[A-Z0-9][A-Z0-9.-]{0,5}$/),
      price: fc.integer({ min: 1, max: 1e7 }).map((c) => c / 100),
      ts: isoTime,
      volume: fc.integer({ min: 0, max: 1e6 }),
    });
    const edit = fc.record({
      at: fc.nat(),
      op: fc.constantFrom('replace', 'insert', 'delete'),
      byte: fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(...Buffer.from('{}[]":,.-+eE0123456789 \\\t\nZT')),
      ),
    });
    fc.assert(
      fc.property(valid, fc.array(edit, { minLength: 0, maxLength: 3 }), (t, edits) => {
        const bytes = [...Buffer.from(JSON.stringify(t))];
        for (const e of edits) {
          const i = e.at % (bytes.length + 1);
          if (e.op === 'insert') bytes.splice(i, 0, e.byte);
          else if (e.op === 'delete') bytes.splice(i, 1);
          else bytes[Math.min(i, bytes.length - 1)] = e.byte;
        }
        sameAsSchema(Buffer.from(t.symbol), Buffer.from(bytes));
      }),
      { numRuns: 20000 },
    );
  });

  it('takes the compact form of valid ticks itself (the fast path is not bypassed)', () => {
    for (const t of [
      VALID_SAMPLES.tick,
      { id: 't-9', symbol: 'BRK.B', price: 0.0001, ts: '2026-11-30T09:30:00Z', volume: 0 },
      { ts: '2024-02-29T23:59:59.9Z', price: 182.31, symbol: 'A-1', id: 'x:y' },
    ]) {
      const r = scanTick(Buffer.from(t.symbol), Buffer.from(JSON.stringify(t)));
      expect(r?.tick).toEqual(t);
      expect(r?.tsMs).toBe(Date.parse(t.ts));
    }
  });
});
