import fc from 'fast-check';
import { decodeInput } from './decode-message';
import { decodeTickFast } from './decode-tick-fast';
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
});
