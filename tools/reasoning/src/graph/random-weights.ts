import { mulberry32 } from '@risk/lm-runtime/prng';
import {
  DecoderConfig,
  DecoderWeights,
  LayerWeights,
  headDimOf,
  weightShapes,
} from './decoder-config';

// Re-exported: the graph builder's callers seed their weights with it.
export { mulberry32 };

/** Normal(0, std) samples by Box-Muller from a uniform source. */
export function normalSampler(uniform: () => number): (std: number) => number {
  let spare: number | undefined;
  return (std) => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s * std;
    }
    const u1 = Math.max(uniform(), 1e-12);
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2) * std;
  };
}

/**
 * Deterministic weights: projections and embeddings ~ N(0, 0.02), norms = 1, biases ~ N(0, 0.02).
 * The same (cfg, seed) always yields the same floats.
 */
export function randomDecoderWeights(cfg: DecoderConfig, seed: number, std = 0.02): DecoderWeights {
  const normal = normalSampler(mulberry32(seed));
  const s = weightShapes(cfg);
  const d = headDimOf(cfg);
  const gauss = (shape: [number, number] | number): Float32Array => {
    const n = typeof shape === 'number' ? shape : shape[0] * shape[1];
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = normal(std);
    return out;
  };
  const ones = (): Float32Array => new Float32Array(cfg.hiddenSize).fill(1);
  const embed = gauss(s.embed);
  const layers: LayerWeights[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    layers.push({
      inputNorm: ones(),
      q: gauss(s.q),
      k: gauss(s.kv),
      v: gauss(s.kv),
      ...(cfg.attentionBias
        ? {
            qBias: gauss(cfg.numHeads * d),
            kBias: gauss(cfg.numKvHeads * d),
            vBias: gauss(cfg.numKvHeads * d),
          }
        : {}),
      o: gauss(s.o),
      postAttentionNorm: ones(),
      gate: gauss(s.gate),
      up: gauss(s.gate),
      down: gauss(s.down),
    });
  }
  return {
    embed,
    layers,
    finalNorm: ones(),
    ...(cfg.tieEmbeddings ? {} : { lmHead: gauss(s.lmHead) }),
  };
}
