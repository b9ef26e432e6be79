import fc from 'fast-check';
import type { Decimal } from 'decimal.js';
import { Money } from './config';
import { explainMetrics, positionsToExplain } from './explain';
import { parseFormatted } from './format';
import { checkLimits } from './limits';
import {
  computePortfolioMetrics,
  type PortfolioMetricsResult,
  type PositionValuation,
} from './portfolio-metrics';
import { FixedMarket } from './test-market';

describe('explainMetrics', () => {
  it('writes the worked example with exact arithmetic', () => {
    // Hand computation in portfolio-metrics.spec.ts; peak 750,000: (750,000 − 701,200) / 750,000
    // = 6.5067%; var99 limit 21,000: 21,119.10 / 21,000 = 100.567%.
    const market = new FixedMarket(
      { AAPL: 182.31, MSFT: 397.428 },
      { AAPL: 0.02, MSFT: 0.02, ACME: 0.02 },
      0,
      1.25,
    );
    const r = computePortfolioMetrics(
      {
        cash: 100_000,
        positions: [
          { symbol: 'AAPL', quantity: 1_200 },
          { symbol: 'MSFT', quantity: 1_000 },
          { symbol: 'ACME', quantity: -300, mark: 50 },
          { symbol: 'ZZZ', quantity: 3 },
        ],
      },
      market,
      750_000,
    );
    const steps = explainMetrics(r, checkLimits(r.metrics, { var99: 21_000 }), {
      warmupDays: 2.68,
      defaultAnnualVol: 0.3,
    });
    expect(steps.map((s) => `${s.kind} | ${s.text}`)).toEqual([
      'metric | AAPL 1,200 × 182.31 = 218,772.00 (last tick)',
      'metric | MSFT 1,000 × 397.428 = 397,428.00 (last tick)',
      'metric | ACME -300 × 50 = -15,000.00 (snapshot mark)',
      'metric | unpriced, left out of every metric: ZZZ (no tick and no snapshot mark yet)',
      'metric | nav = cash 100,000.00 + Σ positions 601,200.00 = 701,200.00',
      'metric | net exposure = Σ v_i = 218,772.00 + 397,428.00 + (-15,000.00) = 601,200.00',
      'metric | gross exposure = Σ |v_i| = 218,772.00 + 397,428.00 + 15,000.00 = 631,200.00',
      'metric | max weight = MSFT |v| 397,428.00 / nav 701,200.00 ≈ 56.68%',
      'metric | HHI = Σ (|v_i| / gross)² = (218,772.00 / 631,200.00)² + (397,428.00 / 631,200.00)² + (15,000.00 / 631,200.00)² ≈ 0.5171',
      'metric | σ_P (one day) = √(vᵀ Σ_day v) = √82,414,081.27 ≈ 9,078.22',
      'metric | volatility still warming up for AAPL (1.25 of 2.68 trading days), MSFT (1.25 of 2.68 trading days), ACME (1.25 of 2.68 trading days): the seed of 30.00% annual vol still weighs in',
      'metric | VaR99 = z 2.3263478740408408 × σ_P 9,078.22 ≈ 21,119.10',
      'metric | ES99 = φ(z)/(1 − 0.99) 2.6652142203458067 × σ_P 9,078.22 ≈ 24,195.40',
      'metric | annualised vol = σ_P 9,078.22 / nav 701,200.00 × √252 ≈ 20.55%',
      'metric | drawdown = (peak 750,000.00 − nav 701,200.00) / peak 750,000.00 ≈ 6.51%',
      'limit | MSFT 1,000 × 397.428 = 397,428.00 ≈ 56.68% of nav 701,200.00 > default limit 25.00% (utilisation 226.71%)',
      'limit | VaR99 21,119.10 > limit 21,000.00 (utilisation 100.57%)',
      'limit | drawdown 6.51% ≤ default limit 10.00% (utilisation 65.07%)',
      'limit | gross leverage = gross 631,200.00 / nav 701,200.00 ≈ 0.90× ≤ default limit 2.00× (utilisation 45.01%)',
    ]);
    expect(steps[0].data).toEqual({
      symbol: 'AAPL',
      quantity: 1200,
      price: 182.31,
      priceSource: 'tick',
      value: 218_772,
    });
  });

  it('shows enough digits that a value just over its limit does not print as the limit', () => {
    // 25.001 / 100 = 25.001% of nav against a 25% limit: two decimals would print 25.00% > 25.00%.
    const m = new FixedMarket({ X: 25.001 }, { X: 0 });
    const r = computePortfolioMetrics(
      { cash: 74.999, positions: [{ symbol: 'X', quantity: 1 }] },
      m,
      null,
    );
    const step = explainMetrics(r, checkLimits(r.metrics)).find(
      (s) => s.data.limit === 'maxWeight',
    );
    expect(step?.text).toBe(
      'X 1 × 25.001 = 25.001 ≈ 25.001% of nav 100.00 > default limit 25.000% (utilisation 100.00%)',
    );
  });

  it('explains an insolvent portfolio', () => {
    const m = new FixedMarket({ X: 10 }, { X: 0.01 });
    const r = computePortfolioMetrics(
      { cash: -100, positions: [{ symbol: 'X', quantity: 5 }] },
      m,
      null,
    );
    const texts = explainMetrics(r, checkLimits(r.metrics)).map((s) => s.text);
    expect(texts).toContain(
      'nav -50.00 ≤ 0: insolvent; weights, leverage and the default VaR limit are undefined',
    );
    expect(texts).toContain('max weight undefined: nav -50.00 ≤ 0 (reported as 0)');
  });
});

const NUM = String.raw`-?[\d,]+(?:\.\d+)?`;
const n = (s: string): Decimal => parseFormatted(s);
const round = (d: Decimal, dp: number): Decimal => d.toDecimalPlaces(dp, Money.ROUND_HALF_UP);

/** Re-derives every result printed in the steps from the operands printed next to it. */
function verify(text: string): number {
  let m: RegExpMatchArray | null;
  let checked = 0;
  if ((m = text.match(new RegExp(`^\\S+ (${NUM}) × (${NUM}) = (${NUM})`))) !== null) {
    expect(n(m[1]).times(n(m[2])).equals(n(m[3]))).toBe(true);
    checked++;
  }
  if ((m = text.match(new RegExp(`= (${NUM}) ≈ (${NUM})% of nav (${NUM})`))) !== null) {
    const shown = m[2].split('.')[1]?.length ?? 0;
    expect(round(n(m[1]).abs().div(n(m[3])).times(100), shown).equals(n(m[2]))).toBe(true);
    checked++;
  }
  if (
    (m = text.match(new RegExp(`^nav = cash (${NUM}) \\+ Σ positions (${NUM}) = (${NUM})$`))) !==
    null
  ) {
    expect(n(m[1]).plus(n(m[2])).equals(n(m[3]))).toBe(true);
    checked++;
  }
  if ((m = text.match(/^(?:net|gross) exposure = Σ \|?v_i\|? = (.+) = (\S+)$/)) !== null) {
    const terms = m[1].split(' + ').map((t) => n(t.replace(/[()]/g, '')));
    expect(terms.reduce((a, t) => a.plus(t), new Money(0)).equals(n(m[2]))).toBe(true);
    checked++;
  }
  if ((m = text.match(/^HHI = Σ \(\|v_i\| \/ gross\)² = (.+) ≈ (\S+)$/)) !== null) {
    const sum = m[1].split(' + ').reduce((a, t) => {
      const [v, g] = t.replace(/[()²]/g, '').split(' / ').map(n);
      return a.plus(v.div(g).pow(2));
    }, new Money(0));
    expect(round(sum, 4).equals(n(m[2]))).toBe(true);
    checked++;
  }
  if (
    (m = text.match(
      new RegExp(`^σ_P \\(one day\\) = √\\(vᵀ Σ_day v\\) = √(${NUM}) ≈ (${NUM})$`),
    )) !== null
  ) {
    expect(round(n(m[1]).sqrt(), 2).equals(n(m[2]))).toBe(true);
    checked++;
  }
  if (
    (m = text.match(new RegExp(`^(?:VaR99|ES99) = .* (${NUM}) × σ_P (${NUM}) ≈ (${NUM})$`))) !==
    null
  ) {
    expect(round(n(m[1]).times(n(m[2])), 2).equals(n(m[3]))).toBe(true);
    checked++;
  }
  if (
    (m = text.match(
      new RegExp(`^annualised vol = σ_P (${NUM}) / nav (${NUM}) × √(\\d+) ≈ (${NUM})%$`),
    )) !== null
  ) {
    const vol = n(m[1]).div(n(m[2])).times(n(m[3]).sqrt()).times(100);
    expect(round(vol, 2).equals(n(m[4]))).toBe(true);
    checked++;
  }
  if (
    (m = text.match(
      new RegExp(`^drawdown = \\(peak (${NUM}) − nav (${NUM})\\) / peak (${NUM}) ≈ (${NUM})%$`),
    )) !== null
  ) {
    expect(round(n(m[1]).minus(n(m[2])).div(n(m[3])).times(100), 2).equals(n(m[4]))).toBe(true);
    checked++;
  }
  if (
    (m = text.match(new RegExp(`^gross leverage = gross (${NUM}) / nav (${NUM}) ≈ (${NUM})×`))) !==
    null
  ) {
    const shown = m[3].split('.')[1]?.length ?? 0;
    expect(round(n(m[1]).div(n(m[2])), shown).equals(n(m[3]))).toBe(true);
    checked++;
  }
  const comparison = text.includes(' of nav ')
    ? new RegExp(`≈ (${NUM})(%) of nav ${NUM} (>|≤) (?:default )?limit (${NUM})`)
    : new RegExp(`(${NUM})(%|×)? (>|≤) (?:default )?limit (${NUM})`);
  if ((m = text.match(comparison)) !== null) {
    const cmp = n(m[1]).comparedTo(n(m[4]));
    expect(m[3] === '>' ? cmp > 0 : cmp <= 0).toBe(true);
    checked++;
  }
  return checked;
}

describe('explainMetrics properties', () => {
  const symbols = ['A', 'B', 'C', 'D'];
  const money = fc.integer({ min: 1, max: 10_000_000 }).map((c) => c / 100);
  it('every printed result re-derives exactly from the printed operands', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            symbol: fc.constantFrom(...symbols),
            quantity: fc.integer({ min: -5_000, max: 5_000 }).filter((q) => q !== 0),
            mark: fc.integer({ min: 1, max: 1_000_000 }).map((c) => c / 1_000),
          }),
          { selector: (p) => p.symbol, minLength: 1, maxLength: 4 },
        ),
        fc.integer({ min: -1_000_000, max: 10_000_000 }).map((c) => c / 100),
        fc.option(money, { nil: null }),
        fc.tuple(...symbols.map(() => fc.double({ min: 0, max: 0.08, noNaN: true }))),
        (positions, cash, peak, vols) => {
          const market = new FixedMarket(
            {},
            Object.fromEntries(symbols.map((s, i) => [s, vols[i]])),
            0.2,
          );
          const r = computePortfolioMetrics({ cash, positions }, market, peak);
          const steps = explainMetrics(r, checkLimits(r.metrics, { es99: 1_000 }));
          const checked = steps.reduce((a, s) => a + verify(s.text), 0);
          expect(checked).toBeGreaterThanOrEqual(positions.length + 6);
        },
      ),
    );
  });
});

describe('explainMetrics of a 20,000-position snapshot', () => {
  it('names at most 50 positions and stays far below 1 MiB', () => {
    const n = 20_000;
    const symbols = Array.from({ length: n }, (_, i) => `S${String(i).padStart(14, '0')}X`);
    const market = new FixedMarket(
      Object.fromEntries(symbols.filter((_, i) => i % 5 !== 0).map((s, i) => [s, 10 + (i % 89)])),
      Object.fromEntries(symbols.map((s) => [s, 0.01])),
      0,
      1, // every symbol still warming up: the warm-up list must be capped too
      2,
    );
    const result = computePortfolioMetrics(
      { cash: 1e6, positions: symbols.map((symbol, i) => ({ symbol, quantity: 1 + i })) },
      market,
      null,
    );
    const steps = explainMetrics(result, checkLimits(result.metrics, null));
    const named = steps.filter((s) => typeof s.data.symbol === 'string');
    expect(named).toHaveLength(50);
    expect(positionsToExplain(result).truncated).toBe(n - 50);
    expect(Buffer.byteLength(JSON.stringify(steps))).toBeLessThan(100_000);
    const warm = steps.find((s) => /warming up/.test(s.text));
    expect(warm?.text).toMatch(/and 15950 more/);
  });
});

describe('positionsToExplain', () => {
  it('names the largest by |value| (ties by symbol) in snapshot order, as sorting them all did', () => {
    const reference = (all: PositionValuation[], max: number): PositionValuation[] => {
      const largest = new Set(
        [...all]
          .sort(
            (a, b) =>
              Math.abs(b.value) - Math.abs(a.value) ||
              (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0),
          )
          .slice(0, max),
      );
      return all.filter((p) => largest.has(p));
    };
    const value = fc.oneof(
      fc.integer({ min: -4, max: 4 }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.constantFrom(Infinity, -Infinity, NaN, -0),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 2 }), value), { maxLength: 80 }),
        fc.integer({ min: -2, max: 60 }),
        (rows, max) => {
          const positions = rows.map(([symbol, v]) => ({ symbol, value: v }) as PositionValuation);
          const result = {
            positions,
            metrics: { unpriced: [] },
          } as unknown as PortfolioMetricsResult;
          expect(positionsToExplain(result, max).listed).toEqual(
            positions.length > max ? reference(positions, max) : positions,
          );
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
