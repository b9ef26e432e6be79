import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';

export type Zone = 'green' | 'yellow' | 'red';

export const ZONE_CODES: Record<Zone, number> = { green: 0, yellow: 1, red: 2 };

/** Basel's bounds on the cumulative binomial probability of the exception count. */
export const GREEN_BELOW = 0.95;
export const YELLOW_BELOW = 0.9999;

export interface TrafficLight {
  readonly zone: Zone;
  /** P(X ≤ exceptions) for X ~ Binomial(observations, p). */
  readonly cumulativeProbability: number;
  /** The most exceptions still green / still yellow at this number of observations. */
  readonly greenMax: number;
  readonly yellowMax: number;
}

/**
 * Basel's traffic light (1996 supplement): the zone of an exception count is set by the
 * cumulative binomial probability of seeing that many or fewer if the model were right —
 * green below 95%, yellow below 99.99%, red from there. At 250 observations and p = 1% that is
 * green 0–4, yellow 5–9, red 10+; other observation counts scale the same way.
 */
export function trafficLight(observations: number, exceptions: number, p = 0.01): TrafficLight {
  const cdf = (x: number) => (observations === 0 ? 1 : binomialCdf(x, observations, p));
  let greenMax = -1;
  while (greenMax < observations && cdf(greenMax + 1) < GREEN_BELOW) greenMax++;
  let yellowMax = greenMax;
  while (yellowMax < observations && cdf(yellowMax + 1) < YELLOW_BELOW) yellowMax++;
  const zone: Zone =
    exceptions <= greenMax || observations === 0
      ? 'green'
      : exceptions <= yellowMax
        ? 'yellow'
        : 'red';
  return { zone, cumulativeProbability: cdf(exceptions), greenMax, yellowMax };
}
