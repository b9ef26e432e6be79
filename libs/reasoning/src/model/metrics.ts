/** Classification figures of the evaluation (pure). */

export function accuracy<T>(predicted: readonly T[], gold: readonly T[]): number {
  if (gold.length === 0) return 0;
  return predicted.filter((p, i) => p === gold[i]).length / gold.length;
}

/** Unweighted mean of per-class F1 over `labels` (a class never predicted nor present scores 0). */
export function macroF1<T>(
  predicted: readonly T[],
  gold: readonly T[],
  labels: readonly T[],
): number {
  const f1s = labels.map((label) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    predicted.forEach((p, i) => {
      if (p === label && gold[i] === label) tp++;
      else if (p === label) fp++;
      else if (gold[i] === label) fn++;
    });
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return f1s.reduce((a, b) => a + b, 0) / labels.length;
}

/** Multi-class Brier score: mean over examples of Σ_k (p_k − 1[k = gold])²; 0 is perfect, 2 worst. */
export function brierScore(
  probabilities: readonly (readonly number[])[],
  goldIndex: readonly number[],
): number {
  if (goldIndex.length === 0) return 0;
  let total = 0;
  probabilities.forEach((probs, i) => {
    probs.forEach((p, k) => {
      const y = k === goldIndex[i] ? 1 : 0;
      total += (p - y) ** 2;
    });
  });
  return total / goldIndex.length;
}

export function majorityLabel<T>(labels: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best = labels[0];
  for (const [label, n] of counts) if (n > (counts.get(best) ?? 0)) best = label;
  return best;
}
