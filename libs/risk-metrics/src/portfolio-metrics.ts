import type { RiskMetricsRecord } from '@risk/contracts';
import type { Decimal } from 'decimal.js';
import { DEFAULT_RISK_MODEL_CONFIG, ES99_FACTOR, Money, Z99, sqrtTradingDays } from './config';
import { roundCents, sqrtCents } from './format';
import { decimalMoneyFigures, scaledMoneyFigures, type MoneyFigures } from './money-figures';
import type { MarketView } from './instrument-book';

export interface PositionInput {
  readonly symbol: string;
  readonly quantity: number;
  /** Snapshot mark, used until a tick for the symbol has been applied. */
  readonly mark?: number;
}

export interface PortfolioInput {
  readonly cash: number;
  readonly positions: readonly PositionInput[];
}

/** The contract's metrics object, with the unpriced symbols always listed. */
export interface RiskMetrics extends RiskMetricsRecord {
  unpriced: string[];
}

export interface PositionValuation {
  readonly symbol: string;
  readonly quantity: number;
  readonly price: number;
  readonly priceSource: 'tick' | 'mark';
  readonly value: number;
  /** |v| / nav; 0 when nav ≤ 0. */
  readonly weight: number;
  /** |v| / gross. */
  readonly grossShare: number;
  /** One-day volatility of the symbol's log return used in σ_P. */
  readonly volatilityDay: number;
  readonly samples: number;
  readonly warm: boolean;
  /** Euler contribution z · v_i (Σ v)_i / σ_P; the contributions add up to VaR99 (before cents). */
  readonly componentVar99: number;
  /** (Σ_day v)_i, money² per unit of money: the position's row of the covariance times values. */
  readonly covValue: number;
  /** Exact decimal strings, for explanations. */
  readonly exact: { readonly quantity: string; readonly price: string; readonly value: string };
}

export interface PortfolioMetricsResult {
  readonly metrics: RiskMetrics;
  /** The running peak to keep for the next evaluation. */
  readonly peakNav: number;
  /** Priced, non-zero positions after aggregating duplicate symbols, in first-seen order. */
  readonly positions: PositionValuation[];
  /** Priced positions whose volatility is still (partly) the seed. */
  readonly warmingUp: string[];
  /** nav ≤ 0: weights, leverage and annualised vol are undefined and reported as 0. */
  readonly navNonPositive: boolean;
  /** One-day portfolio variance vᵀ Σ_day v, rounded to cents (money²). */
  readonly varianceDay: number;
  /** One-day σ_P = √varianceDay, rounded to cents. */
  readonly sigmaDay: number;
  /** vᵀ Σ_day v before rounding (money²), for figures derived from it (distance to limits). */
  readonly rawVarianceDay: number;
  /** Exact decimal strings of the money figures and ratios, for explanations. */
  readonly exact: {
    readonly cash: string;
    readonly nav: string;
    readonly gross: string;
    readonly net: string;
    readonly peakNav: string;
    readonly varianceDay: string;
    readonly sigmaDay: string;
    readonly var99: string;
    readonly es99: string;
  };
}

export interface PortfolioMetricsOptions {
  readonly tradingDaysPerYear?: number;
}

/** A priced position before valuation; the quantity is a Decimal when duplicate lines were summed. */
interface PricedLine {
  readonly symbol: string;
  readonly quantity: number | Decimal;
  readonly price: number;
  readonly source: 'tick' | 'mark';
}

/**
 * The contract's metric definitions, exactly (docs/risk-methodology.md). `previousPeakNav` is the
 * running peak kept by the caller, null on the portfolio's first evaluation.
 */
export function computePortfolioMetrics(
  input: PortfolioInput,
  market: MarketView,
  previousPeakNav: number | null,
  options: PortfolioMetricsOptions = {},
): PortfolioMetricsResult {
  if (!Number.isFinite(input.cash)) throw new RangeError('portfolio cash must be finite');
  const tradingDays = options.tradingDaysPerYear ?? DEFAULT_RISK_MODEL_CONFIG.tradingDaysPerYear;

  const bySymbol = new Map<string, { quantity: number | Decimal; mark: number | undefined }>();
  for (const p of input.positions) {
    if (!Number.isFinite(p.quantity))
      throw new RangeError(`quantity of ${p.symbol} must be finite`);
    const usableMark =
      p.mark !== undefined && Number.isFinite(p.mark) && p.mark > 0 ? p.mark : undefined;
    const entry = bySymbol.get(p.symbol);
    if (entry === undefined) {
      bySymbol.set(p.symbol, { quantity: p.quantity, mark: usableMark });
    } else {
      // Duplicate lines of one symbol are one position; the last mark given wins.
      entry.quantity = new Money(entry.quantity).plus(p.quantity);
      entry.mark = usableMark ?? entry.mark;
    }
  }

  const unpriced: string[] = [];
  const priced: PricedLine[] = [];
  for (const [symbol, { quantity, mark }] of bySymbol) {
    if (typeof quantity === 'number' ? quantity === 0 : quantity.isZero()) continue;
    const tick = market.lastPrice(symbol);
    const price = tick ?? mark;
    if (price === undefined) {
      unpriced.push(symbol);
      continue;
    }
    priced.push({ symbol, quantity, price, source: tick === undefined ? 'mark' : 'tick' });
  }

  const money = scaledMoneyFigures(input.cash, priced) ?? decimalMoneyFigures(input.cash, priced);
  const { cash, net, gross, nav, values } = money;
  const navPositive = nav.greaterThan(0);
  const maxWeightSymbol = money.largest < 0 ? null : priced[money.largest].symbol;

  // Delta-normal: σ_P² = vᵀ Σ_day v over the priced positions.
  const symbols = priced.map((p) => p.symbol);
  const factors = market.oneFactor ? symbols.map((s) => market.oneFactor!(s)) : null;
  const sigmaV = factors
    ? oneFactorTimes(factors, values)
    : covarianceTimes(symbols, values, market);
  const rawVariance = Math.max(
    0,
    values.reduce((acc, v, i) => acc + v * sigmaV[i], 0),
  );
  const varianceDay = roundCents(rawVariance);
  const sigmaDay = sqrtCents(varianceDay);
  const var99 = roundCents(Z99.times(sigmaDay));
  const es99 = roundCents(ES99_FACTOR.times(sigmaDay));
  const volAnnualized = navPositive
    ? sigmaDay.div(nav).times(sqrtTradingDays(tradingDays)).toNumber()
    : 0;

  const peak =
    previousPeakNav === null ||
    !Number.isFinite(previousPeakNav) ||
    nav.greaterThan(previousPeakNav)
      ? nav
      : new Money(previousPeakNav);
  // A peak ≤ 0 gives no meaningful percentage: drawdown is 0 until nav has been positive.
  const drawdown = peak.greaterThan(0) ? peak.minus(nav).div(peak).toNumber() : 0;

  const rawSigma = Math.sqrt(rawVariance);
  const positions: PositionValuation[] = priced.map((p, i) => ({
    symbol: p.symbol,
    quantity: money.quantities[i],
    price: p.price,
    priceSource: p.source,
    value: values[i],
    weight: money.weights[i],
    grossShare: money.grossShares[i],
    // covarianceDay(s, s) is the one-factor variance (MarketView.oneFactor).
    volatilityDay: Math.sqrt(
      factors ? factors[i].variance : market.covarianceDay(p.symbol, p.symbol),
    ),
    samples: market.samples(p.symbol),
    warm: market.isWarm(p.symbol),
    componentVar99: rawSigma > 0 ? (Z99_NUMBER * values[i] * sigmaV[i]) / rawSigma : 0,
    covValue: sigmaV[i],
    exact: new ExactStrings(p, money, i),
  }));

  return {
    metrics: {
      nav: nav.toNumber(),
      grossExposure: gross.toNumber(),
      netExposure: net.toNumber(),
      maxWeight: money.maxWeight,
      maxWeightSymbol,
      hhi: money.hhi,
      var99: var99.toNumber(),
      es99: es99.toNumber(),
      volAnnualized,
      drawdown,
      unpriced,
    },
    peakNav: peak.toNumber(),
    positions,
    warmingUp: positions.filter((p) => !p.warm).map((p) => p.symbol),
    navNonPositive: !navPositive,
    varianceDay: varianceDay.toNumber(),
    sigmaDay: sigmaDay.toNumber(),
    rawVarianceDay: rawVariance,
    exact: {
      cash: cash.toString(),
      nav: nav.toString(),
      gross: gross.toString(),
      net: net.toString(),
      peakNav: peak.toString(),
      varianceDay: varianceDay.toString(),
      sigmaDay: sigmaDay.toString(),
      var99: var99.toString(),
      es99: es99.toString(),
    },
  };
}

/**
 * A position's exact decimal strings, made on first read: an explanation names at most 50
 * positions, and most evaluations' positions are never printed.
 */
class ExactStrings implements Readonly<Record<'quantity' | 'price' | 'value', string>> {
  readonly #line: PricedLine;
  readonly #money: MoneyFigures;
  readonly #index: number;
  #strings: { quantity: string; price: string; value: string } | undefined;

  constructor(line: PricedLine, money: MoneyFigures, index: number) {
    this.#line = line;
    this.#money = money;
    this.#index = index;
  }

  get quantity(): string {
    return this.toJSON().quantity;
  }

  get price(): string {
    return this.toJSON().price;
  }

  get value(): string {
    return this.toJSON().value;
  }

  toJSON(): { quantity: string; price: string; value: string } {
    const { quantity, price } = this.#line;
    // String(x) is Decimal's toString of a number: it reads those very digits, and both switch
    // to exponent notation at 1e21 and below 1e-6.
    return (this.#strings ??= {
      quantity: typeof quantity === 'number' ? String(quantity) : quantity.toString(),
      price: String(price),
      value: this.#money.exactValueText(this.#index),
    });
  }
}

const Z99_NUMBER = Z99.toNumber();

/**
 * Σ_day v: for each position, Σ_j covarianceDay(i, j) · v_j. With a one-factor view
 * (MarketView.oneFactor) that is σ_i² v_i + β_i (F − β_i v_i) with F = Σ_j β_j v_j, in
 * O(positions); otherwise the O(positions²) sum. The two agree up to floating-point rounding
 * (covarianceTimes spec).
 */
export function covarianceTimes(
  symbols: readonly string[],
  values: readonly number[],
  market: MarketView,
): number[] {
  if (market.oneFactor) {
    return oneFactorTimes(
      symbols.map((s) => market.oneFactor!(s)),
      values,
    );
  }
  return symbols.map((a) =>
    symbols.reduce((acc, b, j) => acc + market.covarianceDay(a, b) * values[j], 0),
  );
}

/** Σ_day v from each position's one-factor loading and variance, in O(positions). */
function oneFactorTimes(
  f: readonly { loading: number; variance: number }[],
  values: readonly number[],
): number[] {
  let factor = 0;
  for (let i = 0; i < f.length; i++) factor += f[i].loading * values[i];
  return f.map((x, i) => x.variance * values[i] + x.loading * (factor - x.loading * values[i]));
}
