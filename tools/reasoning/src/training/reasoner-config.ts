import { DecoderConfig } from '../graph/decoder-config';

/**
 * The shipped risk reasoner: a Qwen2-layout decoder (q/k/v biases, tied embeddings) with the
 * local-global sparse attention: each token sees the 4 first tokens and the last 64.
 */
export const REASONER_CONFIG: DecoderConfig = {
  vocabSize: 768,
  hiddenSize: 96,
  intermediateSize: 256,
  numLayers: 3,
  numHeads: 4,
  numKvHeads: 2,
  ropeTheta: 10000,
  rmsNormEps: 1e-6,
  maxPositions: 512,
  tieEmbeddings: true,
  attentionBias: true,
  slidingWindow: { window: 64, globalTokens: 4 },
};

/** Seeds of everything random: split plan, training examples, held-out examples, init, batches. */
export const REASONER_SEEDS = {
  plan: 7,
  train: 11,
  heldOut: 13,
  init: 17,
  batches: 19,
  simulatorWording: 23,
  simulatorWordingHeldOut: 29,
} as const;

export const REASONER_NAME = 'risk-reasoner';
export const REASONER_VERSION = '1.1.0';
