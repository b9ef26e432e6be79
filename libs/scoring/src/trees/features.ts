import type { LimitCheck, LimitName } from '@risk/risk-metrics';

/**
 * The tree ensemble's input: one fixed-order vector per evaluation (docs/tree-scoring.md).
 * Change the order or meaning of any feature and the version must change with the model.
 */
export const FEATURES_VERSION = 'risk-features@2';

export const FEATURE_NAMES = [
  'weight_top1',
  'weight_top2',
  'weight_top3',
  'hhi',
  'var99_nav',
  'es99_nav',
  'vol_annualized',
  'drawdown',
  'util_max_weight',
  'util_var99',
  'util_drawdown',
  'util_leverage',
  'gross_leverage',
  'net_nav',
  'move_abs_z_max',
  'move_abs_z_weighted_max',
  'news_p_severe_negative',
  'news_p_negative',
  'news_p_neutral',
  'news_p_positive',
  'news_age_s',
  'news_net_weight',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Index of each feature in the vector. */
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.fromEntries(
  FEATURE_NAMES.map((name, i) => [name, i]),
) as Record<FeatureName, number>;

/**
 * News older than this counts as no news (risk-features@2; @1 used the 600 s label horizon).
 * A judgement predicts the move that follows the story; once the price has moved, the move
 * features carry it. Chosen on the held-out runs among 600, 120, 30 and 5 s (merged AUC / Brier
 * best or second best at 30 s; docs/tree-scoring.md § 1). The simulator's jumps land 0.25–3 s
 * after a story; real news may take longer to be priced in: retrain on real data before use.
 */
export const NEWS_AGE_CAP_S = 30;
/** Bounds every ratio feature: a nav near zero must not produce Infinity or 1e12. */
export const RATIO_CAP = 100;
/** |z| beyond this is one more huge move; keeps a stale-price artefact from dominating. */
export const Z_CAP = 50;

/** The reasoning engine's judgement of the latest news about held symbols. */
export interface NewsJudgement {
  readonly pSevereNegative: number;
  readonly pNegative: number;
  readonly pNeutral: number;
  readonly pPositive: number;
  /** Event time since the news, ms (≥ 0). */
  readonly ageMs: number;
  /** The instruments the story is about. */
  readonly symbols: readonly string[];
}

export interface TreeFeatureInput {
  readonly metrics: {
    readonly nav: number;
    readonly grossExposure: number;
    readonly netExposure: number;
    readonly hhi: number;
    readonly var99: number;
    readonly es99: number;
    readonly volAnnualized: number;
    readonly drawdown: number;
  };
  /** Priced positions with their signed value v_i = q_i · p_i (PortfolioMetricsResult.positions). */
  readonly positions: readonly { readonly symbol: string; readonly value: number }[];
  /** checkLimits(metrics, limits). */
  readonly checks: readonly LimitCheck[];
  /** Signed z of each symbol's recent move (RecentMoves.snapshot); absent symbols count as 0. */
  readonly moveZ: ReadonlyMap<string, number>;
  /** null when no news about a held symbol is known. */
  readonly news: NewsJudgement | null;
}

function clamp(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.min(hi, Math.max(lo, x));
}

function ratio(value: number, nav: number): number {
  return nav > 0 ? clamp(value / nav, -RATIO_CAP, RATIO_CAP) : RATIO_CAP;
}

function utilisation(checks: readonly LimitCheck[], limit: LimitName): number {
  for (const c of checks) if (c.limit === limit) return clamp(c.utilisation, 0, RATIO_CAP);
  return 0;
}

/**
 * Writes the feature vector of one evaluation into `out` at `offset` (a batch row) and returns
 * `out`. Pure; every value is finite. With nav ≤ 0 the ratios take RATIO_CAP (insolvency is
 * decided by the limit check, not by the trees).
 */
export function buildFeatures(
  input: TreeFeatureInput,
  out: Float32Array = new Float32Array(FEATURE_COUNT),
  offset = 0,
): Float32Array {
  const { metrics: m, positions, checks, moveZ, news } = input;
  const nav = m.nav;
  let top1 = 0;
  let top2 = 0;
  let top3 = 0;
  let zMax = 0;
  let zWeightedMax = 0;
  let newsNet = 0;
  for (const p of positions) {
    const w = nav > 0 ? Math.abs(p.value) / nav : 0;
    if (w > top1) [top1, top2, top3] = [w, top1, top2];
    else if (w > top2) [top2, top3] = [w, top2];
    else if (w > top3) top3 = w;
    const z = Math.min(Math.abs(moveZ.get(p.symbol) ?? 0), Z_CAP);
    if (z > zMax) zMax = z;
    if (z * w > zWeightedMax) zWeightedMax = z * w;
    if (news !== null && news.symbols.includes(p.symbol)) newsNet += ratio(p.value, nav);
  }
  const o = offset;
  out[o + 0] = clamp(top1, 0, RATIO_CAP);
  out[o + 1] = clamp(top2, 0, RATIO_CAP);
  out[o + 2] = clamp(top3, 0, RATIO_CAP);
  out[o + 3] = clamp(m.hhi, 0, 1);
  out[o + 4] = ratio(m.var99, nav);
  out[o + 5] = ratio(m.es99, nav);
  out[o + 6] = clamp(m.volAnnualized, 0, RATIO_CAP);
  out[o + 7] = clamp(m.drawdown, -RATIO_CAP, RATIO_CAP);
  out[o + 8] = utilisation(checks, 'maxWeight');
  out[o + 9] = utilisation(checks, 'var99');
  out[o + 10] = utilisation(checks, 'maxDrawdown');
  out[o + 11] = utilisation(checks, 'maxGrossLeverage');
  out[o + 12] = ratio(m.grossExposure, nav);
  out[o + 13] = ratio(m.netExposure, nav);
  out[o + 14] = zMax;
  out[o + 15] = clamp(zWeightedMax, 0, Z_CAP);
  const recent = news !== null && news.ageMs / 1000 < NEWS_AGE_CAP_S;
  out[o + 16] = recent ? clamp(news.pSevereNegative, 0, 1) : 0;
  out[o + 17] = recent ? clamp(news.pNegative, 0, 1) : 0;
  out[o + 18] = recent ? clamp(news.pNeutral, 0, 1) : 1;
  out[o + 19] = recent ? clamp(news.pPositive, 0, 1) : 0;
  out[o + 20] = recent ? clamp(news.ageMs / 1000, 0, NEWS_AGE_CAP_S) : NEWS_AGE_CAP_S;
  out[o + 21] = recent ? clamp(newsNet, -RATIO_CAP, RATIO_CAP) : 0;
  return out;
}

/** Window over which a symbol's largest move counts as recent. */
export const MOVE_WINDOW_MS = 60_000;

/**
 * Keeps, per symbol, the tick z-score of largest |z| within the last MOVE_WINDOW_MS of event
 * time (InstrumentBook.applyTick's zScore). O(1) per tick: the window is one bucket that
 * restarts when it expires, which is coarse but has no per-tick allocation.
 */
export class RecentMoves {
  private readonly last = new Map<string, { z: number; ts: number }>();

  constructor(private readonly windowMs = MOVE_WINDOW_MS) {}

  record(symbol: string, ts: number, z: number | null): void {
    if (z === null || !Number.isFinite(z)) return;
    const cur = this.last.get(symbol);
    if (cur === undefined || ts - cur.ts > this.windowMs || Math.abs(z) >= Math.abs(cur.z)) {
      this.last.set(symbol, { z, ts });
    }
  }

  /** Signed z of each symbol's largest recent move, as of event time `ts`. */
  snapshot(ts: number, symbols?: Iterable<string>): Map<string, number> {
    const out = new Map<string, number>();
    const keys = symbols ?? this.last.keys();
    for (const s of keys) {
      const cur = this.last.get(s);
      if (cur !== undefined && ts - cur.ts <= this.windowMs) out.set(s, cur.z);
    }
    return out;
  }
}
