import { newsKind } from './news-kinds';

export type HolderSide = 'long' | 'short';
export type Polarity = 'negative' | 'neutral' | 'positive';
export const POLARITIES: readonly Polarity[] = ['negative', 'neutral', 'positive'];

/** Share of nav (percent) at which the labelled sets hold the named company. */
export const LABEL_SHARE_PCT = 8;

/**
 * Loss in percent of nav from which a story is severe for the holder: the kind's typical move ×
 * the share held (docs/news-labels.md). 8% of nav: fraud (25%), going concern (30%), a failed
 * trial (30%) on a long; a takeover bid (20%) on a short.
 */
export const SEVERE_NAV_LOSS_PCT = 1.5;

export const polarityOf = (d: number): Polarity =>
  d < 0 ? 'negative' : d > 0 ? 'positive' : 'neutral';

/** The issuer's direction read for a holder: a short gains when the stock falls. */
export function holderDirection(issuer: -1 | 0 | 1, side: HolderSide): -1 | 0 | 1 {
  return (side === 'short' ? -issuer : issuer) as -1 | 0 | 1;
}

/** The label rule of docs/news-labels.md: severe for the holder, from kind, direction and size. */
export function severeForHolder(
  kindId: string,
  issuer: -1 | 0 | 1,
  side: HolderSide,
  sharePct: number,
  rumour: boolean,
): boolean {
  if (rumour || holderDirection(issuer, side) >= 0) return false;
  return (newsKind(kindId).typicalMovePct * sharePct) / 100 >= SEVERE_NAV_LOSS_PCT;
}

/** One labelled item of data/news/*.jsonl. */
export interface LabelledNews {
  id: string;
  source?: string;
  headline: string;
  body?: string;
  /** The company the label is for, as named in the text. */
  company: string;
  side: HolderSide;
  kind: string;
  /** The news's direction for the named company's stock. */
  issuer: -1 | 0 | 1;
  rumour?: boolean;
  tags?: string[];
}
