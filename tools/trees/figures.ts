/** Held-out figures of a probability score: ROC AUC and Brier score. */
import type { Sample } from './dataset';

export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[a] - scores[b],
  );
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]] === 1) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = idx.length - pos;
  return pos === 0 || neg === 0 ? Number.NaN : (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function brier(p: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - labels[i]) ** 2;
  return s / p.length;
}

export interface Figures {
  n: number;
  badRate: number;
  trees: { auc: number; brier: number };
  rules: { auc: number; brier: number };
  constant: { brier: number };
  newsOnly: { n: number; treesAuc: number; rulesAuc: number };
}

/** AUC and Brier of the trees (ORT) and of the interim rule score on one held-out set. */
export function heldOutFigures(
  set: readonly Sample[],
  p: Float32Array,
  trainBadRate: number,
): Figures {
  const labels = set.map((s) => s.bad);
  const rules = set.map((s) => s.rule);
  const news = set.flatMap((s, i) => (s.trigger === 'news' ? [i] : []));
  const sub = (xs: ArrayLike<number>, ids: number[]): number[] => ids.map((i) => xs[i]);
  return {
    n: set.length,
    badRate: labels.reduce((a: number, b) => a + b, 0) / set.length,
    trees: { auc: rocAuc(p, labels), brier: brier(p, labels) },
    rules: { auc: rocAuc(rules, labels), brier: brier(rules, labels) },
    constant: { brier: brier(new Array<number>(labels.length).fill(trainBadRate), labels) },
    newsOnly: {
      n: news.length,
      treesAuc: rocAuc(sub(p, news), sub(labels, news)),
      rulesAuc: rocAuc(sub(rules, news), sub(labels, news)),
    },
  };
}

export const fmt = (v: number, d = 4): string => v.toFixed(d);
