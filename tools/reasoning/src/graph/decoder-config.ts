/** Shape of a decoder-only LM (Llama / Qwen2 family) and the weights that fill it. */

export interface SlidingWindowConfig {
  /** A query at absolute position t sees keys at positions in (t - window, t]. */
  window: number;
  /** Keys at absolute positions < globalTokens are seen by every later query. */
  globalTokens: number;
}

export interface DecoderConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  /** Defaults to hiddenSize / numHeads. */
  headDim?: number;
  ropeTheta: number;
  rmsNormEps: number;
  maxPositions: number;
  tieEmbeddings: boolean;
  /** Qwen2 has biases on the q/k/v projections; Llama has none. */
  attentionBias: boolean;
  /** Qwen3: RMSNorm over the head dim of q and k before RoPE (weights of ones here). */
  qkNorm?: boolean;
  slidingWindow?: SlidingWindowConfig;
}

/**
 * Matrices are row-major [in, out] (the transpose of torch `nn.Linear.weight`), so a projection
 * is `x @ W`; the embedding is [vocab, hidden].
 */
export interface LayerWeights {
  inputNorm: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  qBias?: Float32Array;
  kBias?: Float32Array;
  vBias?: Float32Array;
  o: Float32Array;
  postAttentionNorm: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

export interface DecoderWeights {
  embed: Float32Array;
  layers: LayerWeights[];
  finalNorm: Float32Array;
  /** [hidden, vocab]; absent when the config ties it to the embedding. */
  lmHead?: Float32Array;
}

export type DecoderPreset = 'tiny' | 'small' | 'bench';

export const DECODER_PRESETS: Readonly<Record<DecoderPreset, DecoderConfig>> = {
  tiny: {
    vocabSize: 512,
    hiddenSize: 64,
    intermediateSize: 128,
    numLayers: 2,
    numHeads: 4,
    numKvHeads: 2,
    ropeTheta: 10000,
    rmsNormEps: 1e-6,
    maxPositions: 2048,
    tieEmbeddings: true,
    attentionBias: true,
  },
  small: {
    vocabSize: 2048,
    hiddenSize: 256,
    intermediateSize: 704,
    numLayers: 4,
    numHeads: 4,
    numKvHeads: 2,
    ropeTheta: 1000000,
    rmsNormEps: 1e-6,
    maxPositions: 4096,
    tieEmbeddings: true,
    attentionBias: true,
  },
  bench: {
    vocabSize: 8192,
    hiddenSize: 512,
    intermediateSize: 1408,
    numLayers: 8,
    numHeads: 8,
    numKvHeads: 2,
    ropeTheta: 1000000,
    rmsNormEps: 1e-6,
    maxPositions: 8192,
    tieEmbeddings: true,
    attentionBias: true,
  },
};

export function headDimOf(cfg: DecoderConfig): number {
  return cfg.headDim ?? cfg.hiddenSize / cfg.numHeads;
}

/** Throws on a shape the graph cannot express; returns the config for chaining. */
export function validateDecoderConfig(cfg: DecoderConfig): DecoderConfig {
  const d = headDimOf(cfg);
  const positive: [string, number][] = [
    ['vocabSize', cfg.vocabSize],
    ['hiddenSize', cfg.hiddenSize],
    ['intermediateSize', cfg.intermediateSize],
    ['numLayers', cfg.numLayers],
    ['numHeads', cfg.numHeads],
    ['numKvHeads', cfg.numKvHeads],
    ['headDim', d],
    ['maxPositions', cfg.maxPositions],
  ];
  for (const [name, value] of positive) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`DecoderConfig.${name} must be a positive integer, got ${value}`);
    }
  }
  if (d % 2 !== 0) throw new Error(`headDim must be even for rotary embedding, got ${d}`);
  if (cfg.numHeads % cfg.numKvHeads !== 0) {
    throw new Error(`numHeads (${cfg.numHeads}) must be a multiple of numKvHeads`);
  }
  if (!(cfg.ropeTheta > 0) || !(cfg.rmsNormEps > 0)) {
    throw new Error('ropeTheta and rmsNormEps must be positive');
  }
  const sw = cfg.slidingWindow;
  if (
    sw &&
    (!Number.isInteger(sw.window) ||
      sw.window < 1 ||
      !Number.isInteger(sw.globalTokens) ||
      sw.globalTokens < 0)
  ) {
    throw new Error('slidingWindow needs an integer window >= 1 and globalTokens >= 0');
  }
  return cfg;
}

/** Expected element count of every weight tensor, keyed like the weights object. */
export function weightShapes(cfg: DecoderConfig): {
  embed: [number, number];
  q: [number, number];
  kv: [number, number];
  o: [number, number];
  gate: [number, number];
  down: [number, number];
  lmHead: [number, number];
} {
  const d = headDimOf(cfg);
  const h = cfg.hiddenSize;
  return {
    embed: [cfg.vocabSize, h],
    q: [h, cfg.numHeads * d],
    kv: [h, cfg.numKvHeads * d],
    o: [cfg.numHeads * d, h],
    gate: [h, cfg.intermediateSize],
    down: [cfg.intermediateSize, h],
    lmHead: [h, cfg.vocabSize],
  };
}

export function parameterCount(cfg: DecoderConfig): number {
  const s = weightShapes(cfg);
  const n = (shape: [number, number]): number => shape[0] * shape[1];
  const d = headDimOf(cfg);
  const bias = cfg.attentionBias ? (cfg.numHeads + 2 * cfg.numKvHeads) * d : 0;
  const perLayer =
    n(s.q) + 2 * n(s.kv) + n(s.o) + 2 * n(s.gate) + n(s.down) + bias + 2 * cfg.hiddenSize;
  return (
    n(s.embed) + cfg.numLayers * perLayer + cfg.hiddenSize + (cfg.tieEmbeddings ? 0 : n(s.lmHead))
  );
}

/** Throws when a weights object does not fit the config (wrong sizes, missing biases). */
export function checkDecoderWeights(cfg: DecoderConfig, w: DecoderWeights): void {
  const s = weightShapes(cfg);
  const d = headDimOf(cfg);
  const expect = (name: string, arr: Float32Array | undefined, len: number): void => {
    if (!arr || arr.length !== len) {
      throw new Error(`weight ${name}: expected ${len} floats, got ${arr ? arr.length : 'none'}`);
    }
  };
  const n = (shape: [number, number]): number => shape[0] * shape[1];
  expect('embed', w.embed, n(s.embed));
  expect('finalNorm', w.finalNorm, cfg.hiddenSize);
  if (!cfg.tieEmbeddings) expect('lmHead', w.lmHead, n(s.lmHead));
  if (w.layers.length !== cfg.numLayers) {
    throw new Error(`expected ${cfg.numLayers} layers, got ${w.layers.length}`);
  }
  w.layers.forEach((l, i) => {
    expect(`layers.${i}.inputNorm`, l.inputNorm, cfg.hiddenSize);
    expect(`layers.${i}.q`, l.q, n(s.q));
    expect(`layers.${i}.k`, l.k, n(s.kv));
    expect(`layers.${i}.v`, l.v, n(s.kv));
    if (cfg.attentionBias) {
      expect(`layers.${i}.qBias`, l.qBias, cfg.numHeads * d);
      expect(`layers.${i}.kBias`, l.kBias, cfg.numKvHeads * d);
      expect(`layers.${i}.vBias`, l.vBias, cfg.numKvHeads * d);
    }
    expect(`layers.${i}.o`, l.o, n(s.o));
    expect(`layers.${i}.postAttentionNorm`, l.postAttentionNorm, cfg.hiddenSize);
    expect(`layers.${i}.gate`, l.gate, n(s.gate));
    expect(`layers.${i}.up`, l.up, n(s.gate));
    expect(`layers.${i}.down`, l.down, n(s.down));
  });
}
