import { Exposure } from './corpus';
import { Impact } from './judgement';

/**
 * The keyword-lexicon baseline: polarity words in the headline and body, flipped for a short,
 * neutral without a position; "severe" words on a long make it severe_negative. It knows sides,
 * not sizes, and reads words, not events.
 */
const NEGATIVE = [
  'miss', 'misses', 'disappoint', 'below', 'weak', 'cut', 'cuts', 'slash', 'lower', 'warns',
  'probe', 'investigation', 'inquiry', 'fraud', 'accused', 'downgrade', 'downgraded', 'recall',
  'sued', 'lawsuit', 'suit', 'sue', 'hit', 'slams', 'rattles', 'fears', 'resigns', 'departs',
  'exit', 'suspends', 'halves', 'reduced', 'bankruptcy', 'default', 'doubt', 'breach', 'hackers',
  'cyberattack', 'restate', 'errors', 'falls', 'slips', 'lags', 'costly', 'debt', 'weighs',
]; // prettier-ignore
const POSITIVE = [
  'beats', 'tops', 'record', 'above', 'strong', 'raises', 'lifts', 'boosts', 'ups', 'upgrade',
  'upgraded', 'outperform', 'premium', 'jumps', 'buyback', 'repurchase', 'special', 'increased',
  'wins', 'lands', 'secures', 'awarded', 'join', 'added', 'promoted', 'smashes', 'better', 'rise',
]; // prettier-ignore
const SEVERE = ['fraud', 'bankruptcy', 'default', 'survive', 'going-concern', 'fabricating'];

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z-]+/g) ?? [];
}

export function lexiconImpact(headline: string, body: string, exposure: Exposure): Impact {
  if (exposure.side === 'none') return 'neutral';
  const w = words(`${headline} ${body}`);
  const score =
    w.filter((x) => POSITIVE.includes(x)).length - w.filter((x) => NEGATIVE.includes(x)).length;
  const severe = w.some((x) => SEVERE.includes(x));
  const polarity = (severe ? -1 : Math.sign(score)) * (exposure.side === 'short' ? -1 : 1);
  if (polarity > 0) return 'positive';
  if (polarity < 0) return severe && exposure.side === 'long' ? 'severe_negative' : 'negative';
  return 'neutral';
}
