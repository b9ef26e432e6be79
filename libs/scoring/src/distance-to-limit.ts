import type { ExplanationStep } from '@risk/contracts';
import {
  Z99,
  type LimitCheck,
  type MarketView,
  type PortfolioMetricsResult,
} from '@risk/risk-metrics';

/** The smallest relative price move of one holding that breaches one limit, all else fixed. */
export interface LimitDistance {
  symbol: string;
  limit: 'maxWeight' | 'var99' | 'maxDrawdown';
  /** Relative price move (−0.1 = a 10% fall); null when no move within (−100%, +1000%] breaches. */
  move: number | null;
  /** The price at which the limit is breached. */
  price: number | null;
  breachedNow: boolean;
}

const MAX_UP = 10;
const z = Z99.toNumber();

function smallest(candidates: number[]): number | null {
  const ok = candidates.filter((x) => Number.isFinite(x) && x > -1 && x <= MAX_UP);
  if (ok.length === 0) return null;
  return ok.reduce((a, b) => (Math.abs(b) < Math.abs(a) ? b : a));
}

/** Roots of a·x² + b·x + c = 0 (a may be 0). */
function roots(a: number, b: number, c: number): number[] {
  if (Math.abs(a) < 1e-18) return Math.abs(b) < 1e-18 ? [] : [-c / b];
  const d = b * b - 4 * a * c;
  if (d < 0) return [];
  const s = Math.sqrt(d);
  return [(-b - s) / (2 * a), (-b + s) / (2 * a)];
}

/**
 * The `top` largest positions by |value|, ties in snapshot order: what a stable sort by |value|
 * then the first `top` give, in one pass instead of sorting every position.
 */
export function largestByValue<T extends { value: number }>(
  positions: readonly T[],
  top: number,
): T[] {
  const best: T[] = [];
  for (const p of positions) {
    const a = Math.abs(p.value);
    // NaN or ∞ would make the sort's order its own: leave such a book to the sort.
    if (!Number.isFinite(a)) {
      return [...positions].sort((x, y) => Math.abs(y.value) - Math.abs(x.value)).slice(0, top);
    }
    let at = best.length;
    while (at > 0 && Math.abs(best[at - 1].value) < a) at -= 1;
    if (at < top) {
      best.splice(at, 0, p);
      if (best.length > top) best.pop();
    }
  }
  return best;
}

/**
 * For each of the `top` largest holdings: the price move that breaches the max-weight limit (of
 * that holding), the VaR99 limit and the drawdown limit, each in closed form (docs/tree-scoring.md
 * § Distance to limit). A holding's move changes its value v_i → v_i(1 + x) and nav by v_i·x.
 */
export function distancesToLimits(
  result: PortfolioMetricsResult,
  checks: readonly LimitCheck[],
  market: MarketView,
  peakNav: number,
  top = 3,
): LimitDistance[] {
  const nav = result.metrics.nav;
  if (!(nav > 0)) return [];
  const byLimit = new Map(checks.map((c) => [c.limit, c]));
  const positions = largestByValue(result.positions, top);
  const out: LimitDistance[] = [];
  for (const p of positions) {
    const v = p.value;
    const a = Math.abs(v);
    const at = (x: number | null) =>
      x === null ? null : Math.round(p.price * (1 + x) * 100) / 100;
    const mw = byLimit.get('maxWeight');
    if (mw) {
      const L = mw.threshold;
      // |v(1+x)| = L(nav + v x): long → x = (L·nav − v)/(v(1 − L)); short → x = (L·nav − a)/(a(1 + L)).
      const x = v > 0 ? (L * nav - v) / (v * (1 - L)) : (L * nav - a) / (a * (1 + L));
      const move = a / nav > L ? null : smallest([x]);
      out.push({
        symbol: p.symbol,
        limit: 'maxWeight',
        move,
        price: at(move),
        breachedNow: a / nav > L,
      });
    }
    const vr = byLimit.get('var99');
    if (vr) {
      // VaR(x)² = z²(S + 2x·v_i(Σv)_i + x²·v_i²Σ_ii) against a threshold T + t·x (the default
      // limit, 5% of nav, moves with nav: t = 0.05·v_i; a given limit is fixed: t = 0).
      // S = vᵀΣv and (Σv)_i as the metrics computed them (O(positions) on a one-factor book;
      // they were recomputed here as an O(positions²) sum per holding).
      const S = result.rawVarianceDay;
      const sv = p.covValue;
      const sii = market.covarianceDay(p.symbol, p.symbol);
      const T = vr.threshold;
      const t = vr.source === 'default' ? (T / nav) * v : 0;
      const cands = roots(
        z * z * v * v * sii - t * t,
        2 * z * z * v * sv - 2 * T * t,
        z * z * S - T * T,
      );
      const move = vr.breached ? null : smallest(cands);
      out.push({
        symbol: p.symbol,
        limit: 'var99',
        move,
        price: at(move),
        breachedNow: vr.breached,
      });
    }
    const dd = byLimit.get('maxDrawdown');
    if (dd && peakNav > 0) {
      // (peak − nav − v x)/peak = L → x = (nav − peak(1 − L)) / (−v)
      const x = (nav - peakNav * (1 - dd.threshold)) / -v;
      const move = dd.breached ? null : smallest([x]);
      out.push({
        symbol: p.symbol,
        limit: 'maxDrawdown',
        move,
        price: at(move),
        breachedNow: dd.breached,
      });
    }
  }
  return out;
}

const NAMES = {
  maxWeight: 'its max-weight limit',
  var99: 'the VaR99 limit',
  maxDrawdown: 'the drawdown limit',
};

/** One `limit` step per holding: how far its price is from breaching each limit, in words. */
export function distanceSteps(distances: readonly LimitDistance[]): ExplanationStep[] {
  const bySymbol = new Map<string, LimitDistance[]>();
  for (const d of distances) bySymbol.set(d.symbol, [...(bySymbol.get(d.symbol) ?? []), d]);
  return [...bySymbol].map(([symbol, ds]) => ({
    kind: 'limit' as const,
    text:
      `distance to limits, ${symbol}: ` +
      ds
        .map((d) =>
          d.breachedNow
            ? `${NAMES[d.limit]} is breached already`
            : d.move === null
              ? `no move within −100%…+1000% breaches ${NAMES[d.limit]}`
              : `${NAMES[d.limit]} after a ${d.move < 0 ? 'fall' : 'rise'} of ${(Math.abs(d.move) * 100).toFixed(1)}% (to ${d.price!.toFixed(2)})`,
        )
        .join('; '),
    data: { symbol, distances: ds },
  }));
}
