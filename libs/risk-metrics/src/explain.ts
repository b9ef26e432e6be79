import type { ExplanationStep } from '@risk/contracts';
import type { Decimal } from 'decimal.js';
import { ES99_FACTOR, Money, Z99, sqrtTradingDays } from './config';
import { formatExact, formatMoneyExact, formatPercent, formatRounded } from './format';
import { DEFAULT_LIMITS, type LimitCheck } from './limits';
import type { PortfolioMetricsResult, PositionValuation } from './portfolio-metrics';

/** The contract's explanation step, restricted to the kinds this library writes. */
export type MetricStep = ExplanationStep & { kind: 'metric' | 'limit' };

export interface ExplainOptions {
  /** From the instrument book's config (trading days), to say how far warm-up has got. */
  readonly warmupDays?: number;
  readonly defaultAnnualVol?: number;
  readonly tradingDaysPerYear?: number;
  /** Sums with more terms than this show Σ instead of every term. */
  readonly maxTermsShown?: number;
  /** At most this many positions are named (MAX_EXPLAINED_POSITIONS if absent). */
  readonly maxPositions?: number;
}

/**
 * The contract's cap: an explanation names at most this many positions, the largest by |value|,
 * so that an evaluation of any snapshot fits the broker's message size limit.
 */
export const MAX_EXPLAINED_POSITIONS = 50;

export interface ExplainedPositions {
  /** The priced positions named, the largest by |value|, in snapshot order. */
  readonly listed: readonly PositionValuation[];
  /** The unpriced symbols named, in the room the priced ones leave. */
  readonly unpriced: readonly string[];
  /** Positions, priced or not, the explanation does not name. */
  readonly truncated: number;
}

/** The default choice per result: the explanation and the evaluation's count both ask for it. */
const explainedByResult = new WeakMap<PortfolioMetricsResult, ExplainedPositions>();

/** Which positions an explanation names: the `max` largest by |value|, then unpriced ones. */
export function positionsToExplain(
  result: PortfolioMetricsResult,
  max = MAX_EXPLAINED_POSITIONS,
): ExplainedPositions {
  if (max !== MAX_EXPLAINED_POSITIONS) return choosePositions(result, max);
  let named = explainedByResult.get(result);
  if (named === undefined) explainedByResult.set(result, (named = choosePositions(result, max)));
  return named;
}

const bySymbol = (a: PositionValuation, b: PositionValuation): number =>
  a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;

/**
 * The `max` largest positions by |value| (ties by symbol), in snapshot order: the first `max` of
 * a stable sort by that order, found from the `max`-th largest |value| (a numeric sort) so that
 * only the positions tied with it are compared by symbol.
 */
function largestNamed(all: readonly PositionValuation[], max: number): PositionValuation[] {
  const abs = new Float64Array(all.length);
  for (let i = 0; i < all.length; i++) abs[i] = Math.abs(all[i].value);
  if (max < 1 || !abs.every(Number.isFinite)) {
    const largest = new Set(
      [...all]
        .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || bySymbol(a, b))
        .slice(0, max),
    );
    return all.filter((p) => largest.has(p));
  }
  const cut = abs.slice().sort()[all.length - max];
  const tied = all.filter((_, i) => abs[i] === cut);
  const room = max - abs.filter((a) => a > cut).length;
  const tiedNamed = new Set(tied.length > room ? tied.sort(bySymbol).slice(0, room) : tied);
  return all.filter((p, i) => abs[i] > cut || (abs[i] === cut && tiedNamed.has(p)));
}

function choosePositions(result: PortfolioMetricsResult, max: number): ExplainedPositions {
  const all = result.positions;
  let listed: readonly PositionValuation[] = all;
  if (all.length > max) listed = largestNamed(all, max);
  const unpriced = result.metrics.unpriced.slice(0, Math.max(0, max - listed.length));
  return {
    listed,
    unpriced,
    truncated: all.length + result.metrics.unpriced.length - listed.length - unpriced.length,
  };
}

/**
 * Explanation steps whose arithmetic is exact for the numbers printed: "=" joins exact results,
 * "≈" a result rounded half away from zero to the digits shown.
 */
export function explainMetrics(
  result: PortfolioMetricsResult,
  checks: readonly LimitCheck[],
  options: ExplainOptions = {},
): MetricStep[] {
  const maxTerms = options.maxTermsShown ?? 12;
  const tradingDays = options.tradingDaysPerYear ?? 252;
  const { exact, positions } = result;
  const named = positionsToExplain(result, options.maxPositions);
  const listed = named.listed;
  const nav = new Money(exact.nav);
  const gross = new Money(exact.gross);
  const sigma = new Money(exact.sigmaDay);
  const money = formatMoneyExact;
  const steps: MetricStep[] = [];
  const metric = (text: string, data: Record<string, unknown>): void => {
    steps.push({ kind: 'metric', text, data });
  };
  const limit = (text: string, data: Record<string, unknown>): void => {
    steps.push({ kind: 'limit', text, data });
  };

  for (const p of listed) {
    metric(
      `${p.symbol} ${formatExact(p.exact.quantity)} × ${formatExact(p.exact.price)} = ${money(p.exact.value)} (${p.priceSource === 'tick' ? 'last tick' : 'snapshot mark'})`,
      {
        symbol: p.symbol,
        quantity: p.quantity,
        price: p.price,
        priceSource: p.priceSource,
        value: p.value,
      },
    );
  }
  const unpricedUnnamed = result.metrics.unpriced.length - named.unpriced.length;
  if (result.metrics.unpriced.length > 0) {
    const more = unpricedUnnamed > 0 ? ` and ${unpricedUnnamed} more` : '';
    metric(
      `unpriced, left out of every metric: ${named.unpriced.join(', ')}${more} (no tick and no snapshot mark yet)`,
      unpricedUnnamed > 0
        ? { unpriced: named.unpriced, unpricedCount: result.metrics.unpriced.length }
        : { unpriced: named.unpriced },
    );
  }
  if (named.truncated > 0) {
    metric(
      `${positions.length + result.metrics.unpriced.length} positions: the ${listed.length} largest by |value| are named here, ${named.truncated} are not (every sum covers them all)`,
      {
        listedPositions: listed.length + named.unpriced.length,
        truncatedPositions: named.truncated,
      },
    );
  }

  const terms = (values: Decimal[]): string =>
    values.length === 0
      ? '0.00'
      : values.map((v) => (v.isNegative() ? `(${money(v)})` : money(v))).join(' + ');
  const valuesOf = (abs: boolean): Decimal[] =>
    positions.map((p) => (abs ? new Money(p.exact.value).abs() : new Money(p.exact.value)));

  metric(
    `nav = cash ${money(exact.cash)} + Σ positions ${money(exact.net)} = ${money(exact.nav)}`,
    {
      cash: Number(exact.cash),
      positions: Number(exact.net),
      nav: result.metrics.nav,
    },
  );
  metric(
    positions.length <= maxTerms
      ? `net exposure = Σ v_i = ${terms(valuesOf(false))} = ${money(exact.net)}`
      : `net exposure = Σ v_i over ${positions.length} positions = ${money(exact.net)}`,
    { netExposure: result.metrics.netExposure },
  );
  metric(
    positions.length <= maxTerms
      ? `gross exposure = Σ |v_i| = ${terms(valuesOf(true))} = ${money(exact.gross)}`
      : `gross exposure = Σ |v_i| over ${positions.length} positions = ${money(exact.gross)}`,
    { grossExposure: result.metrics.grossExposure },
  );

  const top = positions.find((p) => p.symbol === result.metrics.maxWeightSymbol);
  if (top === undefined) {
    metric('max weight = 0 (no priced position)', { maxWeight: 0, maxWeightSymbol: null });
  } else if (result.navNonPositive) {
    metric(`max weight undefined: nav ${money(exact.nav)} ≤ 0 (reported as 0)`, {
      maxWeight: 0,
      maxWeightSymbol: top.symbol,
    });
  } else {
    const abs = new Money(top.exact.value).abs();
    metric(
      `max weight = ${top.symbol} |v| ${money(abs)} / nav ${money(exact.nav)} ≈ ${formatPercent(abs.div(nav))}`,
      { maxWeight: result.metrics.maxWeight, maxWeightSymbol: top.symbol },
    );
  }

  if (gross.isZero()) {
    metric('HHI = 0 (no exposure)', { hhi: 0 });
  } else {
    const body =
      positions.length <= maxTerms
        ? valuesOf(true)
            .map((v) => `(${money(v)} / ${money(gross)})²`)
            .join(' + ')
        : `over ${positions.length} positions`;
    metric(`HHI = Σ (|v_i| / gross)² = ${body} ≈ ${formatRounded(result.metrics.hhi, 4)}`, {
      hhi: result.metrics.hhi,
    });
  }

  metric(
    `σ_P (one day) = √(vᵀ Σ_day v) = √${money(exact.varianceDay)} ≈ ${money(exact.sigmaDay)}`,
    {
      varianceDay: result.varianceDay,
      sigmaDay: result.sigmaDay,
      volatilityDay: Object.fromEntries(listed.map((p) => [p.symbol, p.volatilityDay])),
    },
  );
  // The listed positions still warming up, in snapshot order (as result.warmingUp lists them).
  const warmingListed = listed.filter((p) => !p.warm);
  const warming = warmingListed.map((p) => p.symbol);
  const warmingUnnamed = result.warmingUp.length - warming.length;
  if (result.warmingUp.length > 0)
    metric(
      warmupText(warmingListed, warmingUnnamed, options),
      warmingUnnamed > 0
        ? { warmingUp: warming, warmingUpCount: result.warmingUp.length }
        : { warmingUp: warming },
    );
  metric(`VaR99 = z ${Z99.toString()} × σ_P ${money(exact.sigmaDay)} ≈ ${money(exact.var99)}`, {
    z: Z99.toNumber(),
    sigmaDay: result.sigmaDay,
    var99: result.metrics.var99,
    componentVar99: Object.fromEntries(listed.map((p) => [p.symbol, p.componentVar99])),
  });
  metric(
    `ES99 = φ(z)/(1 − 0.99) ${ES99_FACTOR.toString()} × σ_P ${money(exact.sigmaDay)} ≈ ${money(exact.es99)}`,
    { factor: ES99_FACTOR.toNumber(), sigmaDay: result.sigmaDay, es99: result.metrics.es99 },
  );
  metric(
    result.navNonPositive
      ? `annualised vol undefined: nav ${money(exact.nav)} ≤ 0 (reported as 0)`
      : `annualised vol = σ_P ${money(exact.sigmaDay)} / nav ${money(exact.nav)} × √${tradingDays} ≈ ${formatPercent(sigma.div(nav).times(sqrtTradingDays(tradingDays)))}`,
    { volAnnualized: result.metrics.volAnnualized },
  );
  const peak = new Money(exact.peakNav);
  metric(
    peak.greaterThan(0)
      ? `drawdown = (peak ${money(peak)} − nav ${money(nav)}) / peak ${money(peak)} ≈ ${formatPercent(peak.minus(nav).div(peak))}`
      : `drawdown = 0 (peak nav ${money(peak)} ≤ 0 gives no percentage)`,
    { peakNav: result.peakNav, nav: result.metrics.nav, drawdown: result.metrics.drawdown },
  );

  for (const c of checks) {
    const text = limitText(c, result, top);
    if (text !== null) limit(text, { ...c });
  }
  return steps;
}

function warmupText(
  named: readonly PositionValuation[],
  unnamed: number,
  options: ExplainOptions,
): string {
  const list = named
    .map(({ symbol: s, samples }) => {
      const n = samples.toFixed(2);
      return options.warmupDays === undefined
        ? `${s} (${n} trading days)`
        : `${s} (${n} of ${options.warmupDays} trading days)`;
    })
    .join(', ')
    .concat(unnamed > 0 ? `${named.length > 0 ? ' and ' : ''}${unnamed} more` : '');
  const seed =
    options.defaultAnnualVol === undefined
      ? 'the seed volatility'
      : `the seed of ${formatPercent(options.defaultAnnualVol)} annual vol`;
  return `volatility still warming up for ${list}: ${seed} still weighs in`;
}

function limitText(
  c: LimitCheck,
  result: PortfolioMetricsResult,
  top: PositionValuation | undefined,
): string | null {
  const money = formatMoneyExact;
  const { exact } = result;
  const nav = new Money(exact.nav);
  const threshold = new Money(c.threshold);
  const cmp = c.breached ? '>' : '≤';
  const use = `(utilisation ${formatPercent(c.utilisation)})`;
  const source = c.source === 'default' ? 'default ' : '';
  switch (c.limit) {
    case 'solvency':
      return c.breached
        ? `nav ${money(exact.nav)} ≤ 0: insolvent; weights, leverage and the default VaR limit are undefined`
        : null;
    case 'maxWeight': {
      if (top === undefined) return `max weight 0.00% ≤ ${source}limit ${formatPercent(threshold)}`;
      const value = new Money(top.exact.value);
      const [shown, limitShown] = comparable(value.abs().div(nav), threshold, formatPercent);
      const abs = value.isNegative() ? `, |v| ${money(value.abs())}` : '';
      return `${top.symbol} ${formatExact(top.exact.quantity)} × ${formatExact(top.exact.price)} = ${money(value)}${abs} ≈ ${shown} of nav ${money(nav)} ${cmp} ${source}limit ${limitShown} ${use}`;
    }
    case 'var99':
    case 'es99': {
      const name = c.limit === 'var99' ? 'VaR99' : 'ES99';
      const value = c.limit === 'var99' ? exact.var99 : exact.es99;
      const basis =
        c.source === 'default'
          ? ` (${formatPercent(DEFAULT_LIMITS.var99NavFraction, 0)} of nav ${money(nav)})`
          : '';
      return `${name} ${money(value)} ${cmp} ${source}limit ${money(threshold)}${basis} ${use}`;
    }
    case 'maxDrawdown': {
      const peak = new Money(exact.peakNav);
      const value = peak.greaterThan(0) ? peak.minus(nav).div(peak) : new Money(0);
      const [shown, limitShown] = comparable(value, threshold, formatPercent);
      return `drawdown ${shown} ${cmp} ${source}limit ${limitShown} ${use}`;
    }
    case 'maxGrossLeverage': {
      const value = new Money(exact.gross).div(nav);
      const [shown, limitShown] = comparable(
        value,
        threshold,
        (d, dp) => `${formatRounded(d, dp)}×`,
      );
      return `gross leverage = gross ${money(exact.gross)} / nav ${money(nav)} ≈ ${shown} ${cmp} ${source}limit ${limitShown} ${use}`;
    }
  }
}

/** Adds decimals until a value that differs from its limit does not print the same as it. */
function comparable(
  value: Decimal,
  threshold: Decimal,
  format: (d: Decimal, decimals: number) => string,
): [string, string] {
  let decimals = 2;
  while (
    decimals < 10 &&
    !value.equals(threshold) &&
    format(value, decimals) === format(threshold, decimals)
  ) {
    decimals += 1;
  }
  return [format(value, decimals), format(threshold, decimals)];
}
