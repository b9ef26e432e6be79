import { SlidingWindowConfig } from './decoder-config';

/**
 * The attention rule the graph implements, as plain functions (the reference forward uses them,
 * and the runtime can use them to check what it feeds). See README.md "Mask rule".
 */

/**
 * Absolute position of every key column of one batch row.
 *
 * rank(k) = (number of ones in attentionMask[0..k]) - 1 is the position the key would have if no
 * cache entry had been dropped. When the runtime evicts the middle of a sliding-window cache,
 * the keys of rank >= globalTokens are the most recent contiguous run ending at the last query,
 * so they are shifted by `evicted = lastQueryPosition + 1 - (number of ones)`.
 * Without eviction `evicted` is 0 and the positions are the plain ranks.
 * Padding columns (mask 0) get a meaningless position; they are masked anyway.
 */
export function keyPositions(
  attentionMaskRow: ArrayLike<number>,
  lastQueryPosition: number,
  globalTokens: number,
): number[] {
  let total = 0;
  for (let k = 0; k < attentionMaskRow.length; k++) total += attentionMaskRow[k];
  const evicted = lastQueryPosition + 1 - total;
  const out: number[] = [];
  let ones = 0;
  for (let k = 0; k < attentionMaskRow.length; k++) {
    ones += attentionMaskRow[k];
    const rank = ones - 1;
    out.push(rank >= globalTokens ? rank + evicted : rank);
  }
  return out;
}

/**
 * Whether query row i (of S new tokens, key columns T = P + S) may attend to key column k.
 * Always: the key is real (mask 1) and k <= P + i (causal by column index; the new keys are the
 * last S columns). With a sliding window also: keyPos < globalTokens or keyPos > queryPos - window.
 */
export function keyVisible(
  attentionMaskRow: ArrayLike<number>,
  queryIndex: number,
  keyIndex: number,
  newTokens: number,
  window?: { sw: SlidingWindowConfig; queryPosition: number; keyPosition: number },
): boolean {
  const past = attentionMaskRow.length - newTokens;
  if (attentionMaskRow[keyIndex] !== 1 || keyIndex > past + queryIndex) return false;
  if (!window) return true;
  return (
    window.keyPosition < window.sw.globalTokens ||
    window.keyPosition > window.queryPosition - window.sw.window
  );
}

/**
 * Columns of a cache row worth keeping under a sliding window before the next step: the first
 * `globalTokens` real keys and the last `window - 1` real keys (left padding is dropped).
 * Keeping more than that is allowed (the mask still applies); keeping fewer changes results.
 */
export function slidingWindowKeepColumns(
  attentionMaskRow: ArrayLike<number>,
  sw: SlidingWindowConfig,
): number[] {
  const real: number[] = [];
  for (let k = 0; k < attentionMaskRow.length; k++) if (attentionMaskRow[k] === 1) real.push(k);
  const tailStart = Math.max(sw.globalTokens, real.length - (sw.window - 1));
  return [...real.slice(0, Math.min(sw.globalTokens, real.length)), ...real.slice(tailStart)];
}
