import type { Zone } from './traffic-light';

/** Critical values of Z2 from Acerbi & Székely (2014, "Backtesting Expected Shortfall"). */
export const Z2_YELLOW_AT = -0.7;
export const Z2_RED_AT = -1.8;

export interface EsBacktest {
  readonly test: 'acerbi-szekely-z2';
  /** null when a loss exceeded a zero ES forecast (the statistic is −∞: red). */
  readonly z2: number | null;
  readonly zone: Zone;
}

/**
 * Acerbi–Székely Z2 ("testing ES directly"): Z2 = 1 + Σ_t P&L_t · I_t / (T · α · ES_t), with
 * I_t = 1 on a VaR exception, α = 1 − 0.99. Its expectation is 0 when ES is right and it falls
 * below 0 when losses beyond VaR are larger or more frequent than forecast. Zones by the
 * authors' critical values, stable across fat tails: green above −0.70 (5% test), yellow above
 * −1.8 (0.01%), red at or below.
 */
export function acerbiSzekelyZ2(
  observations: readonly { pnl: number; es99: number; exception: boolean }[],
  alpha = 0.01,
): EsBacktest {
  const t = observations.length;
  if (t === 0) return { test: 'acerbi-szekely-z2', z2: 0, zone: 'green' };
  let sum = 0;
  for (const o of observations) {
    if (!o.exception) continue;
    if (!(o.es99 > 0)) return { test: 'acerbi-szekely-z2', z2: null, zone: 'red' };
    sum += o.pnl / (t * alpha * o.es99);
  }
  const z2 = 1 + sum;
  const zone: Zone = z2 > Z2_YELLOW_AT ? 'green' : z2 > Z2_RED_AT ? 'yellow' : 'red';
  return { test: 'acerbi-szekely-z2', z2, zone };
}
