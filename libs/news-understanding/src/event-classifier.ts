import { CUE_FEATURES, headInput } from './cue-features';
import { NEWS_KINDS, newsKind, type NewsKind } from './news-kinds';
import { POLARITIES, type Polarity } from './news-labels';

/**
 * Two softmax heads on the frozen sentence embedding, trained by
 * models/scripts/train-news-understanding.ts and shipped as models/news-understanding/classifier.json:
 * the event kind, and the news's direction for the issuer (robust to wording where the kind's
 * table direction is not: "denies", "probe closed", "shares recover").
 */
export interface ClassifierWeights {
  encoder: string;
  kinds: string[];
  /** One row per kind: dim weights then the bias. */
  kindWeights: number[][];
  /** One row per polarity (negative, neutral, positive): dim weights then the bias. */
  directionWeights: number[][];
  /** Whether the heads read the cue features after the embedding (cue-features.ts). */
  cues: boolean;
  /** Cosine from which two stories are the same news (measured by the training script). */
  duplicateCosine: number;
}

export function softmaxRows(rows: readonly number[][], x: ArrayLike<number>): number[] {
  const z = rows.map((w) => {
    let s = w[x.length];
    for (let i = 0; i < x.length; i++) s += w[i] * x[i];
    return s;
  });
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export interface EventReading {
  kind: NewsKind;
  kindProbability: number;
  /** Direction for the issuer: probabilities of negative, neutral, positive. */
  issuer: Record<Polarity, number>;
  rumour: boolean;
}

const toPolarities = (p: readonly number[]): Record<Polarity, number> =>
  Object.fromEntries(POLARITIES.map((k, i) => [k, p[i]])) as Record<Polarity, number>;

/**
 * Rumours and unconfirmed reports: the direction stands, the severity does not (a denial or a
 * confirmation follows). A word list, measured in model:eval.
 */
const RUMOUR =
  /\b(reportedly|rumou?rs?|speculation|sources said|sources say|people familiar|according to (?:people|sources|a report)|said to be|is said to|in talks|explor(?:es|ing) (?:a )?(?:sale|options)|weighs|considering)\b/i;

export function isRumour(text: string): boolean {
  return RUMOUR.test(text);
}

export function readEvent(
  weights: ClassifierWeights,
  embedding: ArrayLike<number>,
  text: string,
): EventReading {
  const x = headInput(embedding, text, weights.cues);
  const pk = softmaxRows(weights.kindWeights, x);
  const best = pk.indexOf(Math.max(...pk));
  return {
    kind: newsKind(weights.kinds[best]),
    kindProbability: pk[best],
    issuer: toPolarities(softmaxRows(weights.directionWeights, x)),
    rumour: isRumour(text),
  };
}

export function checkWeights(w: ClassifierWeights, dim: number): ClassifierWeights {
  const known = new Set(NEWS_KINDS.map((k) => k.id));
  for (const k of w.kinds) if (!known.has(k)) throw new Error(`classifier: unknown kind ${k}`);
  const rows = [...w.kindWeights, ...w.directionWeights];
  if (w.kindWeights.length !== w.kinds.length || w.directionWeights.length !== 3)
    throw new Error('classifier: head sizes do not match');
  const width = dim + (w.cues ? CUE_FEATURES.length : 0) + 1;
  if (rows.some((r) => r.length !== width))
    throw new Error(`classifier: rows must have ${width} values`);
  return w;
}
