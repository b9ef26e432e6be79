import { checkLimits } from '@risk/risk-metrics';
import {
  buildFeatures,
  FEATURE_COUNT,
  FEATURE_INDEX,
  FEATURE_NAMES,
  NEWS_AGE_CAP_S,
  RATIO_CAP,
  RecentMoves,
  type TreeFeatureInput,
} from './features';

const metrics = {
  nav: 1_000_000,
  grossExposure: 1_400_000,
  netExposure: 600_000,
  maxWeight: 0.5,
  maxWeightSymbol: 'ACME',
  hhi: 0.4,
  var99: 81_000,
  es99: 92_800,
  volAnnualized: 0.35,
  drawdown: 0.03,
  unpriced: [],
};

function input(overrides: Partial<TreeFeatureInput> = {}): TreeFeatureInput {
  return {
    metrics,
    positions: [
      { symbol: 'ACME', value: 500_000 },
      { symbol: 'NOVA', value: -400_000 },
      { symbol: 'BKCO', value: 300_000 },
      { symbol: 'MEDI', value: 200_000 },
    ],
    checks: checkLimits(metrics, { maxWeight: 0.25, var99: 60_000, maxDrawdown: 0.1 }),
    moveZ: new Map([
      ['ACME', -2],
      ['NOVA', 4],
      ['XXXX', 9],
    ]),
    news: null,
    ...overrides,
  };
}

describe('tree features', () => {
  it('has a fixed, unique order', () => {
    expect(FEATURE_NAMES).toHaveLength(FEATURE_COUNT);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_COUNT);
    expect(FEATURE_NAMES.slice(0, 5)).toEqual([
      'weight_top1',
      'weight_top2',
      'weight_top3',
      'hhi',
      'var99_nav',
    ]);
    FEATURE_NAMES.forEach((n, i) => expect(FEATURE_INDEX[n]).toBe(i));
  });

  it('computes each feature at its index', () => {
    const x = buildFeatures(input());
    const at = (n: keyof typeof FEATURE_INDEX): number => x[FEATURE_INDEX[n]];
    expect(at('weight_top1')).toBeCloseTo(0.5, 6);
    expect(at('weight_top2')).toBeCloseTo(0.4, 6);
    expect(at('weight_top3')).toBeCloseTo(0.3, 6);
    expect(at('var99_nav')).toBeCloseTo(0.081, 6);
    expect(at('es99_nav')).toBeCloseTo(0.0928, 6);
    expect(at('util_max_weight')).toBeCloseTo(2, 6);
    expect(at('util_var99')).toBeCloseTo(1.35, 6);
    expect(at('util_drawdown')).toBeCloseTo(0.3, 6);
    expect(at('util_leverage')).toBeCloseTo(0.7, 6);
    expect(at('gross_leverage')).toBeCloseTo(1.4, 6);
    expect(at('net_nav')).toBeCloseTo(0.6, 6);
    // Only held symbols count: XXXX's z = 9 is ignored.
    expect(at('move_abs_z_max')).toBe(4);
    expect(at('move_abs_z_weighted_max')).toBeCloseTo(1.6, 6);
  });

  it('uses neutral defaults without news, and the judgement with it', () => {
    const none = buildFeatures(input());
    expect(none[FEATURE_INDEX.news_p_neutral]).toBe(1);
    expect(none[FEATURE_INDEX.news_p_severe_negative]).toBe(0);
    expect(none[FEATURE_INDEX.news_age_s]).toBe(NEWS_AGE_CAP_S);
    expect(none[FEATURE_INDEX.news_net_weight]).toBe(0);
    const news = {
      pSevereNegative: 0.7,
      pNegative: 0.2,
      pNeutral: 0.05,
      pPositive: 0.05,
      ageMs: 12_000,
      symbols: ['NOVA', 'ACME'],
    };
    const x = buildFeatures(input({ news }));
    expect(x[FEATURE_INDEX.news_p_severe_negative]).toBeCloseTo(0.7, 6);
    expect(x[FEATURE_INDEX.news_age_s]).toBe(12);
    // Long ACME 0.5 and short NOVA 0.4: net exposure to the story 0.1.
    expect(x[FEATURE_INDEX.news_net_weight]).toBeCloseTo(0.1, 6);
    const stale = buildFeatures(input({ news: { ...news, ageMs: 3_600_000 } }));
    expect(Array.from(stale)).toEqual(Array.from(none));
    // The judgement counts for 30 s after the story, not longer.
    expect(NEWS_AGE_CAP_S).toBe(30);
    const late = buildFeatures(input({ news: { ...news, ageMs: 29_000 } }));
    expect(late[FEATURE_INDEX.news_age_s]).toBe(29);
    expect(late[FEATURE_INDEX.news_p_severe_negative]).toBeCloseTo(0.7, 6);
    const gone = buildFeatures(input({ news: { ...news, ageMs: 30_000 } }));
    expect(Array.from(gone)).toEqual(Array.from(none));
  });

  it('stays finite for degenerate books', () => {
    const insolvent = { ...metrics, nav: -5_000, drawdown: 1.2 };
    const cases = [
      input({ metrics: insolvent, checks: checkLimits(insolvent, null) }),
      input({ metrics: { ...metrics, nav: 1e-9 }, positions: [] }),
      input({ moveZ: new Map([['ACME', Number.POSITIVE_INFINITY]]) }),
      input({ metrics: { ...metrics, var99: Number.NaN } }),
    ];
    for (const c of cases) {
      const x = buildFeatures(c);
      expect(x).toHaveLength(FEATURE_COUNT);
      for (const v of x) expect(Number.isFinite(v)).toBe(true);
      x.forEach((v, i) =>
        expect(Math.abs(v)).toBeLessThanOrEqual(
          i === FEATURE_INDEX.news_age_s ? NEWS_AGE_CAP_S : RATIO_CAP,
        ),
      );
    }
  });

  it('writes a batch row at an offset', () => {
    const batch = new Float32Array(3 * FEATURE_COUNT);
    buildFeatures(input(), batch, FEATURE_COUNT);
    expect(Array.from(batch.subarray(FEATURE_COUNT, 2 * FEATURE_COUNT))).toEqual(
      Array.from(buildFeatures(input())),
    );
    expect(batch[0]).toBe(0);
  });
});

describe('RecentMoves', () => {
  it('keeps the largest |z| within the window, signed', () => {
    const m = new RecentMoves(60_000);
    m.record('ACME', 0, 1);
    m.record('ACME', 1_000, -3.5);
    m.record('ACME', 2_000, 2);
    m.record('NOVA', 2_000, null);
    expect(m.snapshot(30_000)).toEqual(new Map([['ACME', -3.5]]));
    expect(m.snapshot(62_000).size).toBe(0);
    m.record('ACME', 70_000, 0.5);
    expect(m.snapshot(70_000, ['ACME', 'NOVA'])).toEqual(new Map([['ACME', 0.5]]));
  });
});
