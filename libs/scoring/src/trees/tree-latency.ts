import { performance } from 'node:perf_hooks';
import { buildFeatures, FEATURE_COUNT, type TreeFeatureInput } from './features';
import type { TreeScorer } from './tree-scorer';

export interface TreeLatency {
  readonly iterations: number;
  /** Whole tree step per evaluation: features → ORT run → TreeSHAP (+ decision path), ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /** The ORT run alone and the explanation alone, p50/p99 ms. */
  readonly ort: { readonly p50Ms: number; readonly p99Ms: number };
  readonly explain: { readonly p50Ms: number; readonly p99Ms: number };
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function summary(samples: Float64Array): { p50Ms: number; p99Ms: number } {
  const s = Float64Array.from(samples).sort();
  return { p50Ms: quantile(s, 0.5), p99Ms: quantile(s, 0.99) };
}

/**
 * Micro-benchmark of the tree step of one evaluation, one row at a time as the service runs
 * it: cycles through `inputs`, after `warmup` untimed iterations.
 */
export async function measureTreeLatency(
  scorer: TreeScorer,
  inputs: readonly TreeFeatureInput[],
  iterations = 2000,
  warmup = 200,
): Promise<TreeLatency> {
  if (inputs.length === 0) throw new RangeError('measureTreeLatency needs at least one input');
  const total = new Float64Array(iterations);
  const ortTimes = new Float64Array(iterations);
  const explainTimes = new Float64Array(iterations);
  const row = new Float32Array(FEATURE_COUNT);
  for (let i = -warmup; i < iterations; i++) {
    const t0 = performance.now();
    buildFeatures(inputs[(i + warmup) % inputs.length], row);
    const t1 = performance.now();
    await scorer.score(row, 1);
    const t2 = performance.now();
    scorer.explain(row);
    const t3 = performance.now();
    if (i >= 0) {
      total[i] = t3 - t0;
      ortTimes[i] = t2 - t1;
      explainTimes[i] = t3 - t2;
    }
  }
  const all = summary(total);
  return {
    iterations,
    p50Ms: all.p50Ms,
    p99Ms: all.p99Ms,
    meanMs: total.reduce((a, b) => a + b, 0) / iterations,
    ort: summary(ortTimes),
    explain: summary(explainTimes),
  };
}
