import { Decimal } from 'decimal.js';

/** Settings of the market-state model; every field is documented in docs/risk-methodology.md. */
export interface RiskModelConfig {
  /** Width Δ of the event-time sampling grid, in ms. */
  readonly sampleIntervalMs: number;
  /** EWMA decay λ (RiskMetrics). */
  readonly lambda: number;
  /** Annual volatility assumed for a symbol before it has any history (seed). */
  readonly defaultAnnualVol: number;
  /** Seconds of trading in one day: one-day scaling = tradingSecondsPerDay / Δ(s). */
  readonly tradingSecondsPerDay: number;
  /** Trading days per year, for annualisation. */
  readonly tradingDaysPerYear: number;
  /** |z| at or above which a tick is a large move (immediate evaluation). */
  readonly largeMoveZ: number;
  /** Most empty buckets decayed in one gap; longer gaps (closed market, outage) carry no information. */
  readonly maxEmptyBucketsDecayed: number;
  /** Samples a symbol needs before its volatility counts as warmed up. */
  readonly warmupBuckets: number;
  /** Floor on the annual volatility used in the large-move z-score only (guards against σ = 0). */
  readonly minZScoreAnnualVol: number;
  /**
   * Returns enter the EWMA clipped to ± this many σ of their symbol (0: no clipping).
   * Scaling one-minute variance to a day would otherwise count a news jump ~390 times.
   */
  readonly returnClipSigma: number;
}

/** Buckets after which the seed weighs λ^n ≤ 25% of the EWMA variance. */
export function defaultWarmupBuckets(lambda: number): number {
  return Math.ceil(Math.log(0.25) / Math.log(lambda));
}

export const DEFAULT_RISK_MODEL_CONFIG: RiskModelConfig = {
  sampleIntervalMs: 60_000,
  lambda: 0.94,
  defaultAnnualVol: 0.3,
  tradingSecondsPerDay: 23_400,
  tradingDaysPerYear: 252,
  largeMoveZ: 3,
  maxEmptyBucketsDecayed: 30,
  warmupBuckets: defaultWarmupBuckets(0.94),
  minZScoreAnnualVol: 0.01,
  returnClipSigma: 4,
};

/** Fills defaults and rejects values the model cannot work with (fail fast at boot). */
export function resolveRiskModelConfig(overrides: Partial<RiskModelConfig> = {}): RiskModelConfig {
  const lambda = overrides.lambda ?? DEFAULT_RISK_MODEL_CONFIG.lambda;
  const config: RiskModelConfig = {
    ...DEFAULT_RISK_MODEL_CONFIG,
    warmupBuckets: defaultWarmupBuckets(lambda),
    ...stripUndefined(overrides),
  };
  const positive: (keyof RiskModelConfig)[] = [
    'sampleIntervalMs',
    'defaultAnnualVol',
    'tradingSecondsPerDay',
    'tradingDaysPerYear',
    'largeMoveZ',
    'minZScoreAnnualVol',
  ];
  for (const key of positive) {
    if (!Number.isFinite(config[key]) || config[key] <= 0) {
      throw new RangeError(`risk model config: ${key} must be a finite number > 0`);
    }
  }
  if (!(config.lambda > 0 && config.lambda < 1)) {
    throw new RangeError('risk model config: lambda must be in (0, 1)');
  }
  for (const key of ['maxEmptyBucketsDecayed', 'warmupBuckets'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 0) {
      throw new RangeError(`risk model config: ${key} must be an integer >= 0`);
    }
  }
  if (!Number.isFinite(config.returnClipSigma) || config.returnClipSigma < 0) {
    throw new RangeError('risk model config: returnClipSigma must be a finite number >= 0');
  }
  if (!Number.isInteger(config.sampleIntervalMs)) {
    throw new RangeError('risk model config: sampleIntervalMs must be an integer');
  }
  return config;
}

function stripUndefined<T extends object>(value: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Decimal with enough precision that money sums and products of doubles are exact. */
export const Money = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });
export type Money = Decimal;

/** z of the standard normal at 99% (one-sided), as given by the contract. */
export const Z99 = new Money('2.3263478740408408');

/** ES factor φ(z)/(1 − 0.99), to 16 decimals; ES99 = σ × this. */
export const ES99_FACTOR: Decimal = Z99.pow(2)
  .div(2)
  .neg()
  .exp()
  .div(Money.acos(-1).times(2).sqrt())
  .div('0.01')
  .toDecimalPlaces(16);
