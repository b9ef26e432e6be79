import { Decimal } from 'decimal.js';

/** Settings of the market-state model; every field is documented in docs/risk-methodology.md. */
export interface RiskModelConfig {
  /**
   * Width Δ of the event-time grid on which synchronous returns are sampled for the market
   * factor, and the shortest horizon of the large-move z-score, in ms.
   */
  readonly sampleIntervalMs: number;
  /** EWMA decay λ per trading day of market time (RiskMetrics: 0.94). */
  readonly lambda: number;
  /** Annual volatility assumed for a symbol before it has any history (seed). */
  readonly defaultAnnualVol: number;
  /** Event-time seconds of one trading session: within a session, market time is its fraction. */
  readonly tradingSecondsPerDay: number;
  /** Trading days per year, for annualisation. */
  readonly tradingDaysPerYear: number;
  /** Share of a trading day's variance that falls outside the session (overnight), in [0, 1). */
  readonly overnightShare: number;
  /** The seed counts as this many trading days of observations (prior weight 1 − λ^this). */
  readonly seedWeightDays: number;
  /** |z| at or above which a tick is a large move (immediate evaluation). */
  readonly largeMoveZ: number;
  /** Trading days of market time before a volatility counts as warmed up (seed ≤ 25 %). */
  readonly warmupDays: number;
  /** Floor on the annual volatility used in the large-move z-score only (guards against σ = 0). */
  readonly minZScoreAnnualVol: number;
  /**
   * Returns enter the EWMA clipped to ± this many σ of their own market time, ± c·√(v·Δτ)
   * (0: off): a diffusion is left alone, one jump or bad print can at most double a warm variance.
   */
  readonly returnClipSigma: number;
  /** Most symbols no portfolio holds that are tracked; the least recently ticked go first. */
  readonly maxUnheldSymbols: number;
}

/** Prior weight of the seed: as many trading days of observations as seedWeightDays. */
export function seedWeight(lambda: number, seedWeightDays: number): number {
  return 1 - lambda ** seedWeightDays;
}

/** Trading days after which the seed weighs at most 25 % of the EWMA variance. */
export function defaultWarmupDays(lambda: number, seedWeightDays = 1): number {
  const w0 = seedWeight(lambda, seedWeightDays);
  // w0·λ^τ / (w0·λ^τ + 1 − λ^τ) ≤ 1/4  ⇔  λ^τ ≤ 0.25 / (0.75·w0 + 0.25)
  const tau = Math.log(0.25 / (0.75 * w0 + 0.25)) / Math.log(lambda);
  return Math.ceil(Math.max(0, tau) * 100) / 100;
}

export const DEFAULT_RISK_MODEL_CONFIG: RiskModelConfig = {
  sampleIntervalMs: 60_000,
  lambda: 0.94,
  defaultAnnualVol: 0.3,
  tradingSecondsPerDay: 23_400,
  tradingDaysPerYear: 252,
  overnightShare: 0.25,
  seedWeightDays: 1,
  largeMoveZ: 3,
  warmupDays: defaultWarmupDays(0.94, 1),
  minZScoreAnnualVol: 0.01,
  returnClipSigma: 4,
  maxUnheldSymbols: 20_000,
};

/** Fills defaults and rejects values the model cannot work with (fail fast at boot). */
export function resolveRiskModelConfig(overrides: Partial<RiskModelConfig> = {}): RiskModelConfig {
  const given = stripUndefined(overrides);
  const lambda = given.lambda ?? DEFAULT_RISK_MODEL_CONFIG.lambda;
  const seedDays = given.seedWeightDays ?? DEFAULT_RISK_MODEL_CONFIG.seedWeightDays;
  const config: RiskModelConfig = {
    ...DEFAULT_RISK_MODEL_CONFIG,
    warmupDays:
      lambda > 0 && lambda < 1 && seedDays > 0 ? defaultWarmupDays(lambda, seedDays) : NaN,
    ...given,
  };
  const positive: (keyof RiskModelConfig)[] = [
    'sampleIntervalMs',
    'defaultAnnualVol',
    'tradingSecondsPerDay',
    'tradingDaysPerYear',
    'seedWeightDays',
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
  if (!(config.overnightShare >= 0 && config.overnightShare < 1)) {
    throw new RangeError('risk model config: overnightShare must be in [0, 1)');
  }
  if (!Number.isFinite(config.warmupDays) || config.warmupDays < 0) {
    throw new RangeError('risk model config: warmupDays must be a finite number >= 0');
  }
  if (!Number.isFinite(config.returnClipSigma) || config.returnClipSigma < 0) {
    throw new RangeError('risk model config: returnClipSigma must be a finite number >= 0');
  }
  if (!Number.isInteger(config.sampleIntervalMs)) {
    throw new RangeError('risk model config: sampleIntervalMs must be an integer');
  }
  if (!Number.isInteger(config.maxUnheldSymbols) || config.maxUnheldSymbols < 0) {
    throw new RangeError('risk model config: maxUnheldSymbols must be an integer >= 0');
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

const sqrtByDays = new Map<number, Decimal>();

/** √days at Money's precision, for annualising; kept per value (one or two in practice). */
export function sqrtTradingDays(days: number): Decimal {
  let root = sqrtByDays.get(days);
  if (root === undefined) {
    root = new Money(days).sqrt();
    if (sqrtByDays.size < 16) sqrtByDays.set(days, root);
  }
  return root;
}
