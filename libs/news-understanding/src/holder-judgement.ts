import type { EventReading } from './event-classifier';
import { SEVERE_NAV_LOSS_PCT, type HolderSide, type Polarity } from './news-labels';

export type Impact = 'severe_negative' | 'negative' | 'neutral' | 'positive';

/** What the story means for one holder: the label rule of docs/news-labels.md, on the model's reading. */
export interface HolderJudgement {
  probabilities: Record<Impact, number>;
  impact: Impact;
  /** The holder's direction: negative / neutral / positive, probabilities summing to 1. */
  direction: Record<Polarity, number>;
  /** Expected move of the portfolio in percent of nav from the kind's typical move (signed). */
  navEffectPct: number;
  severity: 'none' | 'small' | 'moderate' | 'large';
}

/**
 * Merges the readings of a story's windows (the headline alone, then headline + each body chunk):
 * direction probabilities averaged with the headline counted twice (it states the news; a body
 * chunk may be background), the kind of the most confident window, a rumour if the headline is one.
 */
export function mergeReadings(readings: readonly EventReading[]): EventReading {
  if (readings.length === 0) throw new Error('no reading to merge');
  if (readings.length === 1) return readings[0];
  const weights = readings.map((_, i) => (i === 0 ? 2 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const issuer = { negative: 0, neutral: 0, positive: 0 };
  readings.forEach((r, i) => {
    for (const k of Object.keys(issuer) as Polarity[])
      issuer[k] += (r.issuer[k] * weights[i]) / total;
  });
  const best = readings.reduce((a, b) => (b.kindProbability > a.kindProbability ? b : a));
  return {
    kind: best.kind,
    kindProbability: best.kindProbability,
    issuer,
    rumour: readings[0].rumour,
  };
}

/**
 * The story read for a holder of `side` at `sharePct` of nav: the issuer's direction flipped for a
 * short; the negative mass is severe when the kind's typical move on this share reaches
 * SEVERE_NAV_LOSS_PCT of nav and the story is not a rumour. Severity as the reasoner's table
 * grades it from the nav effect.
 */
export function judgeForHolder(
  reading: EventReading,
  side: HolderSide,
  sharePct: number,
): HolderJudgement {
  const i = reading.issuer;
  const direction: Record<Polarity, number> =
    side === 'short'
      ? { negative: i.positive, neutral: i.neutral, positive: i.negative }
      : { negative: i.negative, neutral: i.neutral, positive: i.positive };
  const loss = (reading.kind.typicalMovePct * sharePct) / 100;
  const severe = !reading.rumour && loss >= SEVERE_NAV_LOSS_PCT;
  const probabilities: Record<Impact, number> = {
    severe_negative: severe ? direction.negative : 0,
    negative: severe ? 0 : direction.negative,
    neutral: direction.neutral,
    positive: direction.positive,
  };
  const impact = (Object.keys(probabilities) as Impact[]).reduce((a, b) =>
    probabilities[b] > probabilities[a] ? b : a,
  );
  const sign = impact === 'positive' ? 1 : impact === 'neutral' ? 0 : -1;
  const navEffectPct = sign * loss;
  const abs = Math.abs(navEffectPct);
  const severity =
    sign === 0 ? 'none' : abs >= SEVERE_NAV_LOSS_PCT ? 'large' : abs >= 0.5 ? 'moderate' : 'small';
  return { probabilities, impact, direction, navEffectPct, severity };
}
