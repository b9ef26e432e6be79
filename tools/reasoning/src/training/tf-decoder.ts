/**
 * The decoder of `graph/` written in TensorFlow.js ops, for training. It mirrors
 * `referenceForward` exactly (RMSNorm eps inside the root, HF rotate_half RoPE on fp32
 * positions × inv_freq, GQA by head h → kv head h / (H / H_kv), scale 1/sqrt(D), masked scores at
 * -1e9, SwiGLU, tied lm_head), so the trained weights export unchanged through the graph builder.
 * Training sequences are unpadded on the left and start at position 0, so the mask is the causal
 * (and, with a sliding window, local-global) rule of `attention-mask.ts` with rank = position.
 */
import * as tf from '@tensorflow/tfjs';
import { DecoderConfig, DecoderWeights, LayerWeights, headDimOf } from '../graph/decoder-config';
import { MASKED_SCORE, ropeInverseFrequencies } from '../graph/decoder-graph';
import { randomDecoderWeights } from '../graph/random-weights';

type LayerKey = keyof LayerWeights;

export interface TfLayer {
  inputNorm: tf.Variable;
  q: tf.Variable;
  k: tf.Variable;
  v: tf.Variable;
  qBias?: tf.Variable;
  kBias?: tf.Variable;
  vBias?: tf.Variable;
  o: tf.Variable;
  postAttentionNorm: tf.Variable;
  gate: tf.Variable;
  up: tf.Variable;
  down: tf.Variable;
}

export interface TfDecoder {
  cfg: DecoderConfig;
  embed: tf.Variable;
  layers: TfLayer[];
  finalNorm: tf.Variable;
}

const LAYER_KEYS: readonly LayerKey[] = [
  'inputNorm',
  'q',
  'k',
  'v',
  'qBias',
  'kBias',
  'vBias',
  'o',
  'postAttentionNorm',
  'gate',
  'up',
  'down',
];

function layerShape(cfg: DecoderConfig, key: LayerKey): number[] {
  const d = headDimOf(cfg);
  const h = cfg.hiddenSize;
  switch (key) {
    case 'inputNorm':
    case 'postAttentionNorm':
      return [h];
    case 'q':
      return [h, cfg.numHeads * d];
    case 'k':
    case 'v':
      return [h, cfg.numKvHeads * d];
    case 'qBias':
      return [cfg.numHeads * d];
    case 'kBias':
    case 'vBias':
      return [cfg.numKvHeads * d];
    case 'o':
      return [cfg.numHeads * d, h];
    case 'gate':
    case 'up':
      return [h, cfg.intermediateSize];
    case 'down':
      return [cfg.intermediateSize, h];
  }
}

/** Trainable variables holding the given weights (or seeded N(0, std) ones). */
export function createTfDecoder(
  cfg: DecoderConfig,
  init: DecoderWeights | { seed: number; std?: number },
): TfDecoder {
  if (!cfg.tieEmbeddings) throw new Error('the trainer supports tied embeddings only');
  const w = 'seed' in init ? randomDecoderWeights(cfg, init.seed, init.std ?? 0.02) : init;
  const layers = w.layers.map((lw, i) => {
    const layer: Partial<Record<LayerKey, tf.Variable>> = {};
    for (const key of LAYER_KEYS) {
      const arr = lw[key];
      if (arr) layer[key] = tf.variable(tf.tensor(arr, layerShape(cfg, key)), true, `l${i}.${key}`);
    }
    return layer as TfLayer;
  });
  return {
    cfg,
    embed: tf.variable(tf.tensor2d(w.embed, [cfg.vocabSize, cfg.hiddenSize]), true, 'embed'),
    layers,
    finalNorm: tf.variable(tf.tensor1d(w.finalNorm), true, 'finalNorm'),
  };
}

export function tfDecoderVariables(m: TfDecoder): tf.Variable[] {
  const out: tf.Variable[] = [m.embed, m.finalNorm];
  for (const l of m.layers) {
    for (const key of LAYER_KEYS) {
      const v = l[key];
      if (v) out.push(v);
    }
  }
  return out;
}

/** Copies the variables out as graph-builder weights (row-major [in, out]). */
export function tfDecoderWeights(m: TfDecoder): DecoderWeights {
  const read = (v: tf.Variable): Float32Array => Float32Array.from(v.dataSync());
  return {
    embed: read(m.embed),
    finalNorm: read(m.finalNorm),
    layers: m.layers.map((l) => {
      const out: Partial<Record<LayerKey, Float32Array>> = {};
      for (const key of LAYER_KEYS) {
        const v = l[key];
        if (v) out[key] = read(v);
      }
      return out as LayerWeights;
    }),
  };
}

export function disposeTfDecoder(m: TfDecoder): void {
  tfDecoderVariables(m).forEach((v) => v.dispose());
}

/**
 * Additive mask [S, S] for positions 0..S-1: 0 where the key is visible (causal, and with a
 * sliding window: key < G or key > query - W), MASKED_SCORE elsewhere.
 */
export function trainingMask(cfg: DecoderConfig, seq: number): Float32Array {
  const m = new Float32Array(seq * seq);
  const sw = cfg.slidingWindow;
  for (let i = 0; i < seq; i++) {
    for (let k = 0; k < seq; k++) {
      const visible = k <= i && (!sw || k < sw.globalTokens || k > i - sw.window);
      m[i * seq + k] = visible ? 0 : MASKED_SCORE;
    }
  }
  return m;
}

/** cos and sin tables [S, D] exactly as the graph forms them (fp32 position × fp32 inv_freq). */
export function ropeTables(
  cfg: DecoderConfig,
  seq: number,
): { cos: Float32Array; sin: Float32Array } {
  const d = headDimOf(cfg);
  const invFreq = ropeInverseFrequencies(cfg);
  const cos = new Float32Array(seq * d);
  const sin = new Float32Array(seq * d);
  for (let p = 0; p < seq; p++) {
    for (let j = 0; j < d / 2; j++) {
      const f = Math.fround(Math.fround(p) * invFreq[j]);
      cos[p * d + j] = cos[p * d + j + d / 2] = Math.cos(f);
      sin[p * d + j] = sin[p * d + j + d / 2] = Math.sin(f);
    }
  }
  return { cos, sin };
}

function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), weight);
}

function rotateHalf(x: tf.Tensor4D, d: number): tf.Tensor {
  const [a, b] = tf.split(x, [d / 2, d / 2], 3);
  return tf.concat([tf.neg(b), a], 3);
}

function linear(x: tf.Tensor2D, w: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D {
  const y = tf.matMul<tf.Tensor2D>(x, w);
  return bias ? tf.add<tf.Tensor2D>(y, bias) : y;
}

/** Logits [B, S, V] for token ids [B, S] at positions 0..S-1 (no padding on the left). */
export function tfDecoderForward(m: TfDecoder, ids: tf.Tensor2D): tf.Tensor3D {
  const cfg = m.cfg;
  const [batch, seq] = ids.shape;
  const d = headDimOf(cfg);
  const nRep = cfg.numHeads / cfg.numKvHeads;
  const mask = tf.tensor2d(trainingMask(cfg, seq), [seq, seq]);
  const tables = ropeTables(cfg, seq);
  const cos = tf.tensor4d(tables.cos, [1, 1, seq, d]);
  const sin = tf.tensor4d(tables.sin, [1, 1, seq, d]);
  const scale = 1 / Math.sqrt(d);

  const heads = (x: tf.Tensor2D, n: number): tf.Tensor4D =>
    tf.transpose(tf.reshape(x, [batch, seq, n, d]), [0, 2, 1, 3]);
  const rope = (x: tf.Tensor4D): tf.Tensor4D =>
    tf.add<tf.Tensor4D>(tf.mul(x, cos), tf.mul(rotateHalf(x, d), sin));
  // Query head h reads kv head floor(h / nRep), as HF repeat_kv. Built from split + concat:
  // the WASM backend has no UnsortedSegmentSum, so gather (and rank-5 tile) cannot backprop.
  const repeatKv = (x: tf.Tensor4D): tf.Tensor4D =>
    nRep === 1
      ? x
      : tf.concat(
          tf
            .split<tf.Tensor4D>(x, cfg.numKvHeads, 1)
            .flatMap((head) => Array<tf.Tensor4D>(nRep).fill(head)),
          1,
        );

  // Embedding lookup as one-hot × table, for the same reason (gather has no WASM gradient).
  const oneHot = tf.oneHot(tf.reshape(ids, [-1]), cfg.vocabSize);
  let x = tf.matMul(oneHot, m.embed);
  for (const l of m.layers) {
    const h = rmsNorm(x, l.inputNorm, cfg.rmsNormEps) as tf.Tensor2D;
    const q = rope(heads(linear(h, l.q, l.qBias), cfg.numHeads));
    const k = repeatKv(rope(heads(linear(h, l.k, l.kBias), cfg.numKvHeads)));
    const v = repeatKv(heads(linear(h, l.v, l.vBias), cfg.numKvHeads));
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), mask);
    const ctx = tf.matMul(tf.softmax(scores), v);
    const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [batch * seq, cfg.numHeads * d]);
    x = tf.add(x, linear(merged as tf.Tensor2D, l.o));
    const h2 = rmsNorm(x, l.postAttentionNorm, cfg.rmsNormEps) as tf.Tensor2D;
    const gate = linear(h2, l.gate);
    const act = tf.mul<tf.Tensor2D>(tf.mul(gate, tf.sigmoid(gate)), linear(h2, l.up));
    x = tf.add(x, linear(act, l.down));
  }
  const hn = rmsNorm(x, m.finalNorm, cfg.rmsNormEps) as tf.Tensor2D;
  const logits = tf.matMul(hn, m.embed, false, true);
  return tf.reshape(logits, [batch, seq, cfg.vocabSize]);
}

/** Mean next-token cross-entropy over positions whose weight is 1 (targets [B, S], weights [B, S]). */
export function tfLanguageModelLoss(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
  weights: tf.Tensor2D,
): tf.Scalar {
  const v = logits.shape[2];
  const flat = tf.reshape(logits, [-1, v]);
  const logp = tf.logSoftmax(flat);
  const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.reshape(targets, [-1]), v)), -1);
  const w = tf.reshape(weights, [-1]);
  return tf.div<tf.Scalar>(tf.neg(tf.sum(tf.mul(picked, w))), tf.maximum(tf.sum(w), 1));
}
