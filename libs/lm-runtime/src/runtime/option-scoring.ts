/** log p(token) from one row of logits, computed stably. */
export function logProb(logits: Float32Array, token: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[token] - max - Math.log(sum);
}

/** Index of the largest logit (the first on ties), skipping `excluded` ids. */
export function argmax(logits: Float32Array, excluded: readonly number[] = []): number {
  let best = -1;
  for (let i = 0; i < logits.length; i++) {
    if (excluded.length > 0 && excluded.includes(i)) continue;
    if (best < 0 || logits[i] > logits[best]) best = i;
  }
  return best;
}

/**
 * Sum of log-probs of an option's tokens: the first given the context's last logits, each next
 * one given the logits the option run produced at the previous token ([S, V] row-major).
 */
export function optionLogProb(
  contextLastLogits: Float32Array,
  optionLogits: Float32Array,
  optionTokens: readonly number[],
): number {
  const V = contextLastLogits.length;
  let total = logProb(contextLastLogits, optionTokens[0]);
  for (let i = 1; i < optionTokens.length; i++) {
    total += logProb(optionLogits.subarray((i - 1) * V, i * V), optionTokens[i]);
  }
  return total;
}

export function softmax(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
