import { keyPositions, keyVisible } from './attention-mask';
import { DecoderConfig, DecoderWeights, LayerWeights, headDimOf } from './decoder-config';
import { MASKED_SCORE, ropeInverseFrequencies } from './decoder-graph';

/** One layer's cache: key and value, each [B, H_kv, P, D] row-major. */
export interface LayerKv {
  key: Float32Array;
  value: Float32Array;
}

export interface ReferenceOutput {
  /** [B, S, V] */
  logits: Float32Array;
  /** Per layer, [B, H_kv, T, D] with T = P + S. */
  present: LayerKv[];
}

/**
 * Plain TypeScript forward pass with the exact semantics of the ONNX graph (double precision
 * accumulation). Slow; meant for tests on tiny models.
 */
export function referenceForward(
  cfg: DecoderConfig,
  weights: DecoderWeights,
  inputIds: number[][],
  attentionMask: number[][],
  positionIds: number[][],
  past?: LayerKv[],
): ReferenceOutput {
  const batch = inputIds.length;
  const seq = inputIds[0]?.length ?? 0;
  const total = attentionMask[0]?.length ?? 0;
  const pastLen = total - seq;
  if (pastLen < 0) throw new Error('attention_mask must cover past + new tokens');
  if (pastLen > 0 && !past) throw new Error('past K/V required when attention_mask is longer');
  const d = headDimOf(cfg);
  const kvWidth = cfg.numKvHeads * d;
  const logits = new Float32Array(batch * seq * cfg.vocabSize);
  const present: LayerKv[] = Array.from({ length: cfg.numLayers }, () => ({
    key: new Float32Array(batch * kvWidth * total),
    value: new Float32Array(batch * kvWidth * total),
  }));
  const invFreq = ropeInverseFrequencies(cfg);

  for (let b = 0; b < batch; b++) {
    const mask = attentionMask[b];
    const positions = positionIds[b];
    const rope = positions.map((p) => {
      const cos = new Float64Array(d);
      const sin = new Float64Array(d);
      for (let j = 0; j < d / 2; j++) {
        const f = Math.fround(Math.fround(p) * invFreq[j]);
        cos[j] = cos[j + d / 2] = Math.cos(f);
        sin[j] = sin[j + d / 2] = Math.sin(f);
      }
      return { cos, sin };
    });
    const sw = cfg.slidingWindow;
    const keyPos = sw ? keyPositions(mask, positions[seq - 1], sw.globalTokens) : undefined;
    const visible = (i: number, t: number): boolean =>
      keyVisible(
        mask,
        i,
        t,
        seq,
        sw && keyPos ? { sw, queryPosition: positions[i], keyPosition: keyPos[t] } : undefined,
      );

    let x: Float64Array[] = inputIds[b].map((id) => {
      if (id < 0 || id >= cfg.vocabSize) throw new Error(`token id ${id} out of range`);
      return Float64Array.from(
        weights.embed.subarray(id * cfg.hiddenSize, (id + 1) * cfg.hiddenSize),
      );
    });
    weights.layers.forEach((lw, li) => {
      x = layerForward(cfg, lw, x, {
        rope,
        visible,
        pastKv: past?.[li],
        present: present[li],
        batchIndex: b,
        batch,
        pastLen,
      });
    });
    x.forEach((row, s) => {
      const h = rmsNorm(row, weights.finalNorm, cfg.rmsNormEps);
      const out = logits.subarray((b * seq + s) * cfg.vocabSize, (b * seq + s + 1) * cfg.vocabSize);
      if (weights.lmHead) {
        out.set(matVec(h, weights.lmHead, cfg.hiddenSize, cfg.vocabSize));
      } else {
        for (let vId = 0; vId < cfg.vocabSize; vId++) {
          let acc = 0;
          const base = vId * cfg.hiddenSize;
          for (let j = 0; j < cfg.hiddenSize; j++) acc += h[j] * weights.embed[base + j];
          out[vId] = acc;
        }
      }
    });
  }
  return { logits, present };
}

interface LayerContext {
  rope: { cos: Float64Array; sin: Float64Array }[];
  visible: (queryIndex: number, keyIndex: number) => boolean;
  pastKv?: LayerKv;
  present: LayerKv;
  batchIndex: number;
  batch: number;
  pastLen: number;
}

function layerForward(
  cfg: DecoderConfig,
  w: LayerWeights,
  x: Float64Array[],
  c: LayerContext,
): Float64Array[] {
  const d = headDimOf(cfg);
  const hidden = cfg.hiddenSize;
  const seq = x.length;
  const total = c.pastLen + seq;
  const nRep = cfg.numHeads / cfg.numKvHeads;
  const qs: Float64Array[] = [];
  // Fill this row's present cache: past entries, then the new (rotated) keys and values.
  const cacheIndex = (head: number, t: number): number =>
    ((c.batchIndex * cfg.numKvHeads + head) * total + t) * d;
  for (let head = 0; head < cfg.numKvHeads; head++) {
    for (let t = 0; t < c.pastLen; t++) {
      const src = ((c.batchIndex * cfg.numKvHeads + head) * c.pastLen + t) * d;
      const pk = c.pastKv as LayerKv;
      c.present.key.set(pk.key.subarray(src, src + d), cacheIndex(head, t));
      c.present.value.set(pk.value.subarray(src, src + d), cacheIndex(head, t));
    }
  }
  x.forEach((row, s) => {
    const h = rmsNorm(row, w.inputNorm, cfg.rmsNormEps);
    const q = addBias(matVec(h, w.q, hidden, cfg.numHeads * d), w.qBias);
    const k = addBias(matVec(h, w.k, hidden, cfg.numKvHeads * d), w.kBias);
    const v = addBias(matVec(h, w.v, hidden, cfg.numKvHeads * d), w.vBias);
    const { cos, sin } = c.rope[s];
    qs.push(applyRope(q, cfg.numHeads, d, cos, sin));
    const kRot = applyRope(k, cfg.numKvHeads, d, cos, sin);
    for (let head = 0; head < cfg.numKvHeads; head++) {
      c.present.key.set(kRot.subarray(head * d, (head + 1) * d), cacheIndex(head, c.pastLen + s));
      c.present.value.set(v.subarray(head * d, (head + 1) * d), cacheIndex(head, c.pastLen + s));
    }
  });

  const scale = 1 / Math.sqrt(d);
  return x.map((row, i) => {
    const ctx = new Float64Array(cfg.numHeads * d);
    for (let head = 0; head < cfg.numHeads; head++) {
      const kvHead = Math.floor(head / nRep);
      const scores = new Float64Array(total);
      let max = -Infinity;
      for (let t = 0; t < total; t++) {
        let s = MASKED_SCORE;
        if (c.visible(i, t)) {
          const kBase = cacheIndex(kvHead, t);
          let dot = 0;
          for (let j = 0; j < d; j++) dot += qs[i][head * d + j] * c.present.key[kBase + j];
          s = dot * scale;
        }
        scores[t] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let t = 0; t < total; t++) sum += scores[t] = Math.exp(scores[t] - max);
      for (let t = 0; t < total; t++) {
        const p = scores[t] / sum;
        if (p === 0) continue;
        const vBase = cacheIndex(kvHead, t);
        for (let j = 0; j < d; j++) ctx[head * d + j] += p * c.present.value[vBase + j];
      }
    }
    const attn = matVec(ctx, w.o, cfg.numHeads * d, hidden);
    const x1 = row.map((val, j) => val + attn[j]);
    const h2 = rmsNorm(x1, w.postAttentionNorm, cfg.rmsNormEps);
    const gate = matVec(h2, w.gate, hidden, cfg.intermediateSize);
    const up = matVec(h2, w.up, hidden, cfg.intermediateSize);
    const act = gate.map((gv, j) => (gv / (1 + Math.exp(-gv))) * up[j]);
    const down = matVec(act, w.down, cfg.intermediateSize, hidden);
    return x1.map((val, j) => val + down[j]);
  });
}

function rmsNorm(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
  let ms = 0;
  for (const v of x) ms += v * v;
  const rms = Math.sqrt(ms / x.length + eps);
  return x.map((v, j) => (v / rms) * weight[j]);
}

function matVec(x: Float64Array, w: Float32Array, inDim: number, outDim: number): Float64Array {
  const out = new Float64Array(outDim);
  for (let r = 0; r < inDim; r++) {
    const xv = x[r];
    if (xv === 0) continue;
    const base = r * outDim;
    for (let c = 0; c < outDim; c++) out[c] += xv * w[base + c];
  }
  return out;
}

function addBias(x: Float64Array, bias?: Float32Array): Float64Array {
  if (bias) for (let j = 0; j < x.length; j++) x[j] += bias[j];
  return x;
}

function applyRope(
  x: Float64Array,
  heads: number,
  d: number,
  cos: Float64Array,
  sin: Float64Array,
): Float64Array {
  const out = new Float64Array(x.length);
  const half = d / 2;
  for (let h = 0; h < heads; h++) {
    const o = h * d;
    for (let j = 0; j < d; j++) {
      const rotated = j < half ? -x[o + j + half] : x[o + j - half];
      out[o + j] = x[o + j] * cos[j] + rotated * sin[j];
    }
  }
  return out;
}
