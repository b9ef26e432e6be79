/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { DECODER_PRESETS, DecoderConfig } from '../graph/decoder-config';
import { buildDecoderModel } from '../graph/decoder-graph';
import { referenceForward } from '../graph/reference-forward';
import { onnxSequenceLogits } from './onnx-logits';
import { readDecoderWeights } from './read-weights';
import {
  createTfDecoder,
  disposeTfDecoder,
  tfDecoderForward,
  tfDecoderWeights,
} from './tf-decoder';
import { buildBatch, learningRateAt, trainDecoder } from './training';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('TensorFlow.js decoder = exported ONNX graph', () => {
  const cfg: DecoderConfig = {
    ...DECODER_PRESETS.tiny,
    vocabSize: 64,
    slidingWindow: { window: 5, globalTokens: 2 },
  };
  const ids = [5, 9, 17, 3, 40, 41, 7, 8, 60, 2, 33, 12, 11, 50];

  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('gives the same logits as onnxruntime on trained weights (fp32, sliding window)', async () => {
    const model = createTfDecoder(cfg, { seed: 3, std: 0.05 });
    const data = Array.from({ length: 8 }, (_, i) => ({
      promptIds: ids.slice(0, 4 + (i % 3)),
      completionIds: ids.slice(4 + (i % 3)).map((t) => (t + i) % 64),
      emphasisFrom: 2,
    }));
    const run = trainDecoder(model, data, {
      steps: 4,
      batchSize: 4,
      learningRate: 0.01,
      warmupSteps: 1,
      seed: 1,
      padId: 4,
      emphasisWeight: 2,
    });
    expect(run.losses[3]).toBeLessThan(run.losses[0]);
    const weights = tfDecoderWeights(model);
    const session = await ort.InferenceSession.create(buildDecoderModel(cfg, weights));
    const onnx = await onnxSequenceLogits(session, cfg, ids);
    const mine = tf.tidy(() =>
      tfDecoderForward(model, tf.tensor2d([ids], [1, ids.length], 'int32')).dataSync(),
    );
    expect(maxAbsDiff(onnx, mine)).toBeLessThanOrEqual(1e-4);
    const ref = referenceForward(cfg, weights, [ids], [ids.map(() => 1)], [ids.map((_, i) => i)]);
    expect(maxAbsDiff(ref.logits, mine)).toBeLessThanOrEqual(1e-4);
    // The window matters here: the same weights with full attention give other logits.
    const full = await ort.InferenceSession.create(
      buildDecoderModel({ ...cfg, slidingWindow: undefined }, weights),
    );
    expect(maxAbsDiff(await onnxSequenceLogits(full, cfg, ids), mine)).toBeGreaterThan(1e-3);
    // Weights read back from the fp32 model equal the trained ones.
    const back = readDecoderWeights(buildDecoderModel(cfg, weights), cfg);
    expect(back).toEqual(weights);
    await Promise.all([session.release(), full.release()]);
    disposeTfDecoder(model);
  });
});

describe('training batches', () => {
  it('right-pads, shifts targets and weights only the completion (emphasis last)', () => {
    const b = buildBatch(
      [
        { promptIds: [1, 2], completionIds: [3, 4, 5], emphasisFrom: 2 },
        { promptIds: [7], completionIds: [8] },
      ],
      0,
      3,
    );
    expect(b.seq).toBe(4);
    expect(Array.from(b.inputs)).toEqual([1, 2, 3, 4, 7, 0, 0, 0]);
    expect(Array.from(b.targets)).toEqual([2, 3, 4, 5, 8, 0, 0, 0]);
    expect(Array.from(b.weights)).toEqual([0, 1, 1, 3, 1, 0, 0, 0]);
  });

  it('warms up linearly, then decays by cosine to 10 % of the peak', () => {
    expect(learningRateAt(0, 0, 1, 4)).toBe(0.25);
    expect(learningRateAt(10, 0, 1, 4)).toBe(1);
    expect(learningRateAt(10, 1, 1, 4)).toBeCloseTo(0.1, 12);
  });
});
