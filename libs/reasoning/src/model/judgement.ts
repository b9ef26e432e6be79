import { EventKind } from './event-kinds';

export type Side = 'long' | 'short' | 'none';
export type Impact = 'severe_negative' | 'negative' | 'neutral' | 'positive';
export type Severity = 'none' | 'small' | 'moderate' | 'large';
export type SizeBucket = 'tiny' | 'small' | 'medium' | 'large';

export const IMPACTS: readonly Impact[] = ['severe_negative', 'negative', 'neutral', 'positive'];
export const SEVERITIES: readonly Severity[] = ['none', 'small', 'moderate', 'large'];
export const SIZE_BUCKETS: readonly SizeBucket[] = ['tiny', 'small', 'medium', 'large'];

/**
 * Share-of-nav ranges per bucket, in percent. The gaps between them keep every label decidable
 * from the stated share alone (no example sits on a threshold).
 */
export const SIZE_RANGES: Readonly<Record<SizeBucket, [number, number]>> = {
  tiny: [0.05, 0.2],
  small: [0.4, 1.8],
  medium: [2.2, 4.8],
  large: [5.5, 40],
};

export function sizeBucketOf(sharePct: number): SizeBucket {
  if (sharePct < 0.3) return 'tiny';
  if (sharePct < 2) return 'small';
  if (sharePct < 5) return 'medium';
  return 'large';
}

export interface Judgement {
  impact: Impact;
  severity: Severity;
  /** Expected move of the portfolio in percent of nav (typical move × share, signed). */
  navEffectPct: number;
}

/**
 * The label rule: the event's usual move of the stock, signed by the side held, scaled by the
 * position's share of nav. Severity grows with the event's strength plus the size bucket; a large
 * loss is severe_negative. No position, routine news or an immaterial (tiny) position: neutral.
 */
export function judge(kind: EventKind, side: Side, sharePct: number): Judgement {
  const sign = side === 'long' ? 1 : side === 'short' ? -1 : 0;
  const navEffectPct = (kind.direction * sign * kind.typicalMovePct * sharePct) / 100;
  const bucket = sizeBucketOf(sharePct);
  if (sign === 0 || kind.direction === 0 || bucket === 'tiny') {
    return { impact: 'neutral', severity: 'none', navEffectPct };
  }
  const points = kind.strength + SIZE_BUCKETS.indexOf(bucket);
  const severity: Severity = points <= 3 ? 'small' : points <= 5 ? 'moderate' : 'large';
  const gains = kind.direction * sign > 0;
  const impact: Impact = gains ? 'positive' : severity === 'large' ? 'severe_negative' : 'negative';
  return { impact, severity, navEffectPct };
}
