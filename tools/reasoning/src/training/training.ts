import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@risk/lm-runtime/prng';
import { TfDecoder, tfDecoderForward, tfDecoderVariables, tfLanguageModelLoss } from './tf-decoder';

/** One tokenized example: the loss covers the completion (the answer and its reasoning) only. */
export interface EncodedExample {
  promptIds: number[];
  completionIds: number[];
  /** Completion tokens from this index on (the judgement) count `emphasisWeight` times. */
  emphasisFrom?: number;
}

export interface Batch {
  /** Inputs [B, S], targets [B, S] (inputs shifted by one), weights [B, S] (1 = in the loss). */
  inputs: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
  batch: number;
  seq: number;
}

/** Right-pads to the longest example; padding sits after every real token, so causality hides it. */
export function buildBatch(
  examples: readonly EncodedExample[],
  padId: number,
  emphasisWeight = 1,
): Batch {
  const seqs = examples.map((e) => [...e.promptIds, ...e.completionIds]);
  const seq = Math.max(...seqs.map((s) => s.length)) - 1;
  const batch = examples.length;
  const inputs = new Int32Array(batch * seq).fill(padId);
  const targets = new Int32Array(batch * seq).fill(padId);
  const weights = new Float32Array(batch * seq);
  seqs.forEach((ids, b) => {
    const firstTarget = examples[b].promptIds.length;
    const emphasisStart = firstTarget + (examples[b].emphasisFrom ?? ids.length);
    for (let t = 0; t < ids.length - 1; t++) {
      inputs[b * seq + t] = ids[t];
      targets[b * seq + t] = ids[t + 1];
      if (t + 1 >= firstTarget) weights[b * seq + t] = t + 1 >= emphasisStart ? emphasisWeight : 1;
    }
  });
  return { inputs, targets, weights, batch, seq };
}

/**
 * Linear warm-up over `warmup` steps, then cosine decay to 10 % of the peak as `progress` goes
 * from 0 to 1.
 */
export function learningRateAt(
  step: number,
  progress: number,
  peak: number,
  warmup: number,
): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const p = Math.min(1, Math.max(0, progress));
  return peak * (0.1 + 0.45 * (1 + Math.cos(Math.PI * p)));
}

export interface TrainOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  warmupSteps: number;
  seed: number;
  padId: number;
  /** Loss weight of each example's emphasis tokens (the judgement). */
  emphasisWeight?: number;
  /**
   * Time budget: training stops once it is spent, and the schedule anneals by whichever of steps
   * or time runs out first (then the run depends on machine speed; without it, only on seeds).
   */
  maxSeconds?: number;
  onStep?: (info: { step: number; loss: number; lr: number; seconds: number }) => void;
}

export interface TrainResult {
  steps: number;
  seconds: number;
  losses: number[];
}

/**
 * Sorts each run of `chunk` shuffled indices by length, so a batch (taken from the end) holds
 * examples of similar length and pads little; the chunks themselves stay in shuffled order.
 */
export function bucketByLength(
  order: readonly number[],
  data: readonly EncodedExample[],
  chunk: number,
): number[] {
  const len = (i: number): number => data[i].promptIds.length + data[i].completionIds.length;
  const out: number[] = [];
  for (let start = 0; start < order.length; start += chunk) {
    out.push(...order.slice(start, start + chunk).sort((a, b) => len(a) - len(b) || a - b));
  }
  return out;
}

/** Adam on the language-model loss, batches drawn with a seeded shuffle (epoch by epoch). */
export function trainDecoder(
  model: TfDecoder,
  data: readonly EncodedExample[],
  opts: TrainOptions,
): TrainResult {
  const rng = mulberry32(opts.seed);
  const optimizer = tf.train.adam(opts.learningRate, 0.9, 0.98, 1e-8);
  // tfjs reads the rate on every update; the field is not public API.
  const lrField = optimizer as unknown as { learningRate: number };
  const vars = tfDecoderVariables(model);
  let order: number[] = [];
  const nextIndices = (): number[] => {
    const out: number[] = [];
    while (out.length < opts.batchSize) {
      if (order.length === 0) {
        order = data.map((_, i) => i);
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(rng() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
        order = bucketByLength(order, data, opts.batchSize * 8);
      }
      out.push(order.pop() as number);
    }
    return out;
  };
  const start = Date.now();
  const losses: number[] = [];
  let step = 0;
  for (; step < opts.steps; step++) {
    const elapsed = (Date.now() - start) / 1000;
    const progress = Math.max(
      (step - opts.warmupSteps) / Math.max(1, opts.steps - opts.warmupSteps),
      opts.maxSeconds ? elapsed / opts.maxSeconds : 0,
    );
    const lr = learningRateAt(step, progress, opts.learningRate, opts.warmupSteps);
    lrField.learningRate = lr;
    const b = buildBatch(
      nextIndices().map((i) => data[i]),
      opts.padId,
      opts.emphasisWeight,
    );
    const loss = tf.tidy(() => {
      const inputs = tf.tensor2d(b.inputs, [b.batch, b.seq], 'int32');
      const targets = tf.tensor2d(b.targets, [b.batch, b.seq], 'int32');
      const weights = tf.tensor2d(b.weights, [b.batch, b.seq]);
      const cost = optimizer.minimize(
        () => tfLanguageModelLoss(tfDecoderForward(model, inputs), targets, weights),
        true,
        vars,
      );
      return cost as tf.Scalar;
    });
    const value = loss.dataSync()[0];
    loss.dispose();
    losses.push(value);
    const seconds = (Date.now() - start) / 1000;
    opts.onStep?.({ step, loss: value, lr, seconds });
    if (opts.maxSeconds !== undefined && seconds > opts.maxSeconds) {
      step++;
      break;
    }
  }
  optimizer.dispose();
  return { steps: step, seconds: (Date.now() - start) / 1000, losses };
}
