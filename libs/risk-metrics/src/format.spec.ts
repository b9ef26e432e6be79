import fc from 'fast-check';
import {
  formatExact,
  formatMoneyExact,
  formatPercent,
  formatRounded,
  parseFormatted,
  roundCents,
  sqrtCents,
} from './format';
import { ES99_FACTOR, Money } from './config';

describe('format', () => {
  it('prints money with thousands separators and at least 2 decimals, never losing digits', () => {
    expect(formatMoneyExact(701_200)).toBe('701,200.00');
    expect(formatMoneyExact(-15_000)).toBe('-15,000.00');
    expect(formatMoneyExact('3.015')).toBe('3.015');
    expect(formatMoneyExact(0.1)).toBe('0.10');
    expect(formatMoneyExact(1e-7)).toBe('0.0000001');
  });

  it('prints quantities and prices exactly and rounds half away from zero', () => {
    expect(formatExact(1_200)).toBe('1,200');
    expect(formatExact(397.428)).toBe('397.428');
    expect(formatRounded('2.345', 2)).toBe('2.35');
    expect(formatRounded('-2.345', 2)).toBe('-2.35');
    expect(formatPercent(0.3119965773)).toBe('31.20%');
    expect(roundCents('21119.0977970750').toString()).toBe('21119.1');
  });

  it('parses what it prints', () => {
    expect(parseFormatted('701,200.00').toNumber()).toBe(701_200);
    expect(parseFormatted('31.20%').toNumber()).toBe(31.2);
    expect(parseFormatted('0.90×').toNumber()).toBe(0.9);
  });

  it('derives the ES factor φ(z)/(1 − 0.99) at z = 2.3263478740408408', () => {
    // φ(z) = e^(−z²/2) / √(2π) = 0.026652142203458067…; / 0.01
    expect(ES99_FACTOR.toString()).toBe('2.6652142203458067');
  });
});

describe('format fast paths', () => {
  // The definitions the fast paths must match: Decimal's fixed notation, grouped by a regex.
  const group = (fixed: string): string => {
    const negative = fixed.startsWith('-');
    const [whole, fraction] = (negative ? fixed.slice(1) : fixed).split('.');
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
  };
  const exact = (text: string): string => {
    const d = new Money(text);
    return group(d.toFixed(d.decimalPlaces()));
  };
  const money = (text: string): string => {
    const d = new Money(text);
    return group(d.toFixed(Math.max(2, d.decimalPlaces())));
  };
  const decimalText = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => new Money(x).toString()),
    fc
      .tuple(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 30 }))
      .map(([m, k]) => new Money(`${m}e-${k}`).toString()),
    fc.constantFrom('1.50', '-0', '0', '007', '+5', '1e3', '-0.0', '.5', '5.', '1000', '-999.5'),
  );

  it('print what Decimal prints, for canonical and other decimal strings', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        expect(formatExact(text)).toBe(exact(text));
        expect(formatMoneyExact(text)).toBe(money(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('group thousands as the regex did, at every length and sign', () => {
    for (let digits = 1; digits <= 25; digits++) {
      const whole = '9876543210123456789012345'.slice(0, digits);
      for (const text of [whole, `-${whole}`, `${whole}.125`, `-${whole}.5`]) {
        expect(formatRounded(text, 3)).toBe(group(new Money(text).toFixed(3)));
      }
    }
  });
});

describe('sqrtCents', () => {
  const same = (x: string): void => {
    const d = new Money(x);
    expect(sqrtCents(d).toString()).toBe(roundCents(d.sqrt()).toString());
  };

  it("is Decimal's 60-digit square root rounded half up to cents", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 36n }), (cents) => same(`${cents}e-2`)),
      { numRuns: 2_000 },
    );
  });

  it('holds at perfect squares and next to the half-cent boundaries', () => {
    for (const c of [0n, 1n, 2n, 99n, 12_345n, 918_273_645n, 10n ** 15n + 7n]) {
      // (c ± ½)² cents² = (2c ± 1)² / 4, in units of 10^-4: the variances either side of it.
      for (const q of [c * c, (2n * c + 1n) ** 2n / 4n, (2n * c + 1n) ** 2n / 4n + 1n]) {
        const x = new Money(q.toString()).div(10_000);
        if (x.times(100).isInteger()) same(x.toString());
        same(x.toDecimalPlaces(2, Money.ROUND_DOWN).toString());
        same(x.toDecimalPlaces(2, Money.ROUND_UP).toString());
      }
    }
    same('3401791.61');
    same('0');
    same('0.01');
  });
});
