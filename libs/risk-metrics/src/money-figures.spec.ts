import fc from 'fast-check';
import type { Decimal } from 'decimal.js';
import { Money } from './config';
import { decimalMoneyFigures, scaledMoneyFigures, type MoneyFigures } from './money-figures';

type Line = { quantity: number | Decimal; price: number };

/** Everything the figures say, in comparable form (decimals as their strings, -0 kept). */
function seen(f: MoneyFigures, n: number): unknown {
  return {
    cash: f.cash.toString(),
    net: f.net.toString(),
    gross: f.gross.toString(),
    nav: f.nav.toString(),
    quantities: f.quantities,
    values: f.values,
    weights: f.weights,
    grossShares: f.grossShares,
    largest: f.largest,
    maxWeight: f.maxWeight,
    hhi: f.hhi,
    exactValues: Array.from({ length: n }, (_, i) => f.exactValueText(i)),
  };
}

/** A decimal with `digits` digits of which `decimals` after the point, as a double. */
const fewDecimals = (maxDigits: number, maxDecimals: number) =>
  fc
    .tuple(
      fc.integer({ min: 1, max: 10 ** Math.min(maxDigits, 15) - 1 }),
      fc.integer({ min: 0, max: maxDecimals }),
      fc.boolean(),
    )
    .map(([m, k, negative]) => (negative ? -1 : 1) * (m / 10 ** k));

const sumOfLines = fc
  .tuple(fewDecimals(6, 3), fewDecimals(6, 3))
  .map(([a, b]): number | Decimal => new Money(a).plus(b));
const integerQuantity = fc.integer({ min: -100_000, max: 100_000 }).filter((q) => q !== 0);

/** Books the integer path should take: quantities and prices with a few decimals. */
const usualLines = fc.array(
  fc.record({
    quantity: fc.oneof(integerQuantity, fewDecimals(5, 2), sumOfLines),
    price: fewDecimals(6, 4).map(Math.abs),
  }),
  { maxLength: 30 },
);
/** Anything: full doubles, exponent notation, huge and tiny numbers. */
const anyLines = fc.array(
  fc.record({
    quantity: fc.oneof(
      integerQuantity,
      fewDecimals(9, 4),
      sumOfLines,
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((q) => q !== 0),
      fc.constantFrom(1e-7, 2 ** 40, 1e15, 1e21, -0.25, 1.005, 333.333),
    ),
    price: fc.oneof(
      fewDecimals(10, 6).map(Math.abs),
      fc.double({ min: 1e-9, max: 1e9, noNaN: true }),
      fc.constantFrom(0.1 + 0.2, 0.000001234, 123_456_789.123, 1e12, 0.7999999999999999),
    ),
  }),
  { maxLength: 8 },
);
const usualCash = fewDecimals(12, 2);
const anyCash = fc.oneof(
  usualCash,
  fc.double({ min: -1e9, max: 1e9, noNaN: true }),
  fc.constantFrom(0, -0, 0.1, -5_000_000),
);

describe('money figures', () => {
  it('integer arithmetic at one scale gives exactly what the decimals give', () => {
    let scaled = 0;
    const check = (cash: number, lines: Line[]): void => {
      const fast = scaledMoneyFigures(cash, lines);
      if (fast === null) return;
      scaled += 1;
      expect(seen(fast, lines.length)).toEqual(
        seen(decimalMoneyFigures(cash, lines), lines.length),
      );
    };
    fc.assert(fc.property(usualCash, usualLines, check), { numRuns: 1_000 });
    // The integer path must have been taken, not only declined.
    expect(scaled).toBeGreaterThan(500);
    fc.assert(fc.property(anyCash, anyLines, check), { numRuns: 1_000 });
  });

  it('takes the usual book (integer quantities, prices to 4 decimals) in integers', () => {
    const lines = Array.from({ length: 300 }, (_, i) => ({
      quantity: (i % 3 === 0 ? -1 : 1) * (10 + i * 7),
      price: Math.round((20 + ((i * 7_919) % 2_000_000) / 10_000) * 1e4) / 1e4,
    }));
    const fast = scaledMoneyFigures(1_000_000.25, lines);
    expect(fast).not.toBeNull();
    expect(seen(fast!, lines.length)).toEqual(seen(decimalMoneyFigures(1_000_000.25, lines), 300));
  });

  it('prints tiny values as Decimal does (exponent notation below 1e-6)', () => {
    for (const [quantity, price] of [
      [0.001, 0.001],
      [0.001, 0.0001],
      [1, 0.000001],
      [3, 0.000004],
      [0.5, 0.000002],
      [-2, 0.00005],
      [0.01, 0.00001],
      [1_000, 0.000001],
      [120, 2.5],
    ]) {
      const fast = scaledMoneyFigures(0, [{ quantity, price }]);
      expect(fast).not.toBeNull();
      expect(fast!.exactValueText(0)).toBe(new Money(quantity).times(price).toString());
    }
  });

  it('leaves to the decimals what does not fit a double exactly', () => {
    expect(scaledMoneyFigures(0, [{ quantity: 1, price: 0.1 + 0.2 }])).toBeNull(); // 17 digits
    expect(scaledMoneyFigures(0, [{ quantity: 1e-7, price: 1 }])).toBeNull(); // "1e-7"
    expect(scaledMoneyFigures(0, [{ quantity: 2 ** 40, price: 123_456.789 }])).toBeNull();
    expect(scaledMoneyFigures(0.1 + 0.2, [])).toBeNull();
    // A zero price keeps the sign of its quantity in decimals (-0).
    expect(scaledMoneyFigures(0, [{ quantity: -5, price: 0 }])).toBeNull();
    expect(scaledMoneyFigures(0.5, [{ quantity: 3, price: 1.005 }])).not.toBeNull();
  });
});
