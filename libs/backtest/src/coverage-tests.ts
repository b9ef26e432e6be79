import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';

/** A likelihood-ratio statistic and its p-value against χ²(1). */
export interface LikelihoodRatioTest {
  readonly lr: number;
  readonly pValue: number;
}

/** x · ln(y), with 0 · ln(anything) = 0 (the limit the likelihoods need at zero counts). */
function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}

function chiSquare1(lr: number): LikelihoodRatioTest {
  // Rounding can leave a likelihood ratio a hair below 0 when both likelihoods are equal.
  const stat = Math.max(0, lr);
  return { lr: stat, pValue: 1 - chisquareCdf(stat, 1) };
}

/**
 * Kupiec's proportion-of-failures test: are `exceptions` in `observations` consistent with an
 * exception probability `p` (0.01 for a 99% VaR)?
 * LR = −2 [ (T−x) ln(1−p) + x ln p − (T−x) ln(1−x/T) − x ln(x/T) ] ~ χ²(1).
 */
export function kupiecPof(observations: number, exceptions: number, p = 0.01): LikelihoodRatioTest {
  const t = observations;
  const x = exceptions;
  if (t === 0) return { lr: 0, pValue: 1 };
  const rate = x / t;
  const lr = -2 * (xlogy(t - x, 1 - p) + xlogy(x, p) - xlogy(t - x, 1 - rate) - xlogy(x, rate));
  return chiSquare1(lr);
}

/** Transitions between consecutive days: n_ij counts day t in state i followed by state j. */
export interface TransitionCounts {
  readonly n00: number;
  readonly n01: number;
  readonly n10: number;
  readonly n11: number;
}

export function transitionCounts(hits: readonly boolean[]): TransitionCounts {
  const n = { n00: 0, n01: 0, n10: 0, n11: 0 };
  for (let i = 1; i < hits.length; i++) {
    if (hits[i - 1]) {
      if (hits[i]) n.n11++;
      else n.n10++;
    } else if (hits[i]) n.n01++;
    else n.n00++;
  }
  return n;
}

/**
 * Christoffersen's independence test: does an exception today make one tomorrow more likely?
 * π01 = n01/(n00+n01), π11 = n11/(n10+n11), π = (n01+n11)/(n00+n01+n10+n11);
 * LR = −2 [ (n00+n10) ln(1−π) + (n01+n11) ln π
 *           − n00 ln(1−π01) − n01 ln π01 − n10 ln(1−π11) − n11 ln π11 ] ~ χ²(1).
 */
export function christoffersenIndependence(
  hits: readonly boolean[],
): LikelihoodRatioTest & TransitionCounts {
  const c = transitionCounts(hits);
  const { n00, n01, n10, n11 } = c;
  const total = n00 + n01 + n10 + n11;
  if (total === 0) return { lr: 0, pValue: 1, ...c };
  const pi = (n01 + n11) / total;
  const pi01 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0;
  const pi11 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0;
  const restricted = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi);
  const unrestricted =
    xlogy(n00, 1 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1 - pi11) + xlogy(n11, pi11);
  return { ...chiSquare1(-2 * (restricted - unrestricted)), ...c };
}
