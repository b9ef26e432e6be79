import fc from 'fast-check';
import { encodeCursor } from '@risk/persistence';
import { parseCursor, parseInstant } from './query-parsing';

describe('query parsing', () => {
  it('accepts dates and zoned date-times, and gives them in canonical form', () => {
    expect(parseInstant('2024-01-31')).toBe('2024-01-31T00:00:00.000Z');
    expect(parseInstant('2024-01-31T09:30Z')).toBe('2024-01-31T09:30:00.000Z');
    expect(parseInstant('2024-01-31T09:30:00.5+01:00')).toBe('2024-01-31T08:30:00.500Z');
    expect(parseInstant('2024-02-29T23:59:59.123456789-05:30')).toBe('2024-03-01T05:29:59.123Z');
  });

  it('refuses forms it would have to guess and dates that do not exist', () => {
    for (const t of [
      '2024-W01',
      '2024-W01-1',
      '2024-001',
      '2024-01-31T09',
      '2024-01-31T09:30',
      '2024-01-31 09:30Z',
      '2023-02-29',
      '2024-04-31',
      '2024-13-01',
      '2024-01-01T24:00Z',
      '2024-01-01T00:00+24:00',
      '0000-01-01',
      '+002024-01-01',
      '',
    ])
      expect({ t, parsed: parseInstant(t) }).toEqual({ t, parsed: null });
  });

  it('round-trips every instant of years 1..9999 and never throws on any text', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (d) => parseInstant(d.toISOString()) === d.toISOString(),
      ),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (t) => {
        const p = parseInstant(t);
        return p === null || !Number.isNaN(new Date(p).getTime());
      }),
    );
  });

  it('takes back only cursors it issued, whatever else arrives', () => {
    const id = '0b0e3f5c-8d4e-4a4b-9c1d-2e3f4a5b6c7d';
    expect(parseCursor(encodeCursor('2024-01-31T09:30:00.000Z', id))).toEqual({
      ts: '2024-01-31T09:30:00.000Z',
      id,
    });
    expect(parseCursor(encodeCursor('2024-13-45T99:99:99.999Z', id))).toBeNull();
    expect(parseCursor(encodeCursor('2024-01-31T09:30:00.000Z', '-'.repeat(36)))).toBeNull();
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (t) => {
        const c = parseCursor(t);
        return c === null || parseInstant(c.ts) === c.ts;
      }),
    );
    fc.assert(
      fc.property(fc.uuid(), fc.date({ noInvalidDate: true }), (u, d) => {
        if (d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) return true;
        return parseCursor(encodeCursor(d.toISOString(), u))?.id === u;
      }),
    );
  });
});
