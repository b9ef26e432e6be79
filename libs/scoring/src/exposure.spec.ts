import { bookSnapshot, largestExposure, type HeldPosition } from './exposure';

// Cash 50 000; long 300 ACME (snapshot 70, last 80), short 200 NOVA (snapshot 50, last 40),
// long 100 QBIT (no price in the snapshot, last 10).
const positions: HeldPosition[] = [
  { symbol: 'ACME', quantity: 300, price: 70 },
  { symbol: 'NOVA', quantity: -200, price: 50 },
  { symbol: 'QBIT', quantity: 100 },
];
const last: Record<string, number> = { ACME: 80, NOVA: 40, QBIT: 10 };

describe('exposure', () => {
  it('picks the held symbol of largest |value| at the last prices, with its share of nav', () => {
    // Values 24 000, −8 000, 1 000; nav = 50 000 + 17 000 = 67 000.
    const e = largestExposure(50_000, positions, ['NOVA', 'ACME', 'XXXX'], (p) => last[p.symbol]);
    expect(e).toEqual({
      symbol: 'ACME',
      side: 'long',
      quantity: 300,
      price: 80,
      sharePct: (24_000 / 67_000) * 100,
    });
    expect(largestExposure(50_000, positions, ['XXXX'], (p) => last[p.symbol])).toBeNull();
    // A short is stated with its side and |quantity|.
    expect(largestExposure(50_000, positions, ['NOVA'], (p) => last[p.symbol])).toMatchObject({
      side: 'short',
      quantity: 200,
      sharePct: (8_000 / 67_000) * 100,
    });
  });

  it('states the book at the snapshot prices, the last price only where it has none', () => {
    // Values 21 000, −10 000, 1 000; nav = 62 000; gross 32 000.
    const b = bookSnapshot(50_000, positions, (p) => p.price ?? last[p.symbol]);
    expect(b.grossPct).toBeCloseTo((32_000 / 62_000) * 100, 12);
    expect(b.holdings).toEqual([
      { symbol: 'ACME', side: 'long', sharePct: (21_000 / 62_000) * 100 },
      { symbol: 'NOVA', side: 'short', sharePct: (10_000 / 62_000) * 100 },
      { symbol: 'QBIT', side: 'long', sharePct: (1_000 / 62_000) * 100 },
    ]);
    // Shares of gross exposure when nav ≤ 0; nothing priced: no holdings.
    const insolvent = bookSnapshot(-40_000, positions, (p) => p.price ?? last[p.symbol]);
    expect(insolvent.grossPct).toBe(100);
    expect(bookSnapshot(0, [], () => undefined)).toEqual({ holdings: [], grossPct: 0 });
  });
});
