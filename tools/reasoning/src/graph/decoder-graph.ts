import {
  DecoderConfig,
  DecoderWeights,
  checkDecoderWeights,
  headDimOf,
  validateDecoderConfig,
  weightShapes,
} from './decoder-config';
import { OnnxGraphBuilder } from './onnx-builder';
import { quantizeColumnsInt8, quantizeRowsInt8 } from './quantize';
import { randomDecoderWeights } from './random-weights';

/**
 * 'int8': onnxruntime quantize_dynamic style (uint8 activations, one scale per tensor), so a row's
 * result depends on the other rows and tokens in the same call. 'int8-per-token': symmetric int8
 * activations with one scale per token, so each token's result depends only on itself and its
 * cache, as in fp32 (batching and chunked prefill give the same logits as a lone full run).
 */
export type Quantization = 'none' | 'int8' | 'int8-per-token';

export interface BuildDecoderOptions {
  quantization?: Quantization;
}

/** Value that replaces masked attention scores before softmax (finite, so no NaN on empty rows). */
export const MASKED_SCORE = -1e9;
export const DECODER_OPSET = 17;
/**
 * Changes when the graph computes the same thing differently (2: GQA heads stacked as rows, int8
 * weights as uint8 with zero point 128; 3: `present_new` outputs). In the model's metadata;
 * caches of built models key on it.
 */
export const DECODER_GRAPH_REVISION = 3;
/** Zero point of the stored int8 weights (q + 128 in uint8). */
const WEIGHT_ZERO_POINT = 128;

/** Signed int8 values as offset binary (q + 128 in uint8), the layout MatMulInteger's u8×u8 takes. */
export function offsetBinary(values: Int8Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] + WEIGHT_ZERO_POINT;
  return out;
}

/** Input/output names of the "decoder with past" contract (HF Optimum / onnxruntime-genai). */
export const decoderIo = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  logits: 'logits',
  pastKey: (layer: number): string => `past_key_values.${layer}.key`,
  pastValue: (layer: number): string => `past_key_values.${layer}.value`,
  presentKey: (layer: number): string => `present.${layer}.key`,
  presentValue: (layer: number): string => `present.${layer}.value`,
  /**
   * Only this step's K/V ([B, H_kv, S, D], keys rotated): a runtime that keeps the cache in its
   * own buffers fetches these instead of `present` (a copy of the whole cache per step).
   */
  newKey: (layer: number): string => `present_new.${layer}.key`,
  newValue: (layer: number): string => `present_new.${layer}.value`,
} as const;

/** inv_freq[i] = theta^(-2i/D), rounded to float32 as the graph stores it. */
export function ropeInverseFrequencies(cfg: DecoderConfig): Float32Array {
  const d = headDimOf(cfg);
  const out = new Float32Array(d / 2);
  for (let i = 0; i < d / 2; i++) out[i] = 1 / Math.pow(cfg.ropeTheta, (2 * i) / d);
  return out;
}

/** Builds model.onnx bytes for the config, from given weights or from a seed. */
export function buildDecoderModel(
  cfg: DecoderConfig,
  weights: DecoderWeights | { seed: number },
  opts: BuildDecoderOptions = {},
): Uint8Array {
  validateDecoderConfig(cfg);
  const w = 'seed' in weights ? randomDecoderWeights(cfg, weights.seed) : weights;
  checkDecoderWeights(cfg, w);
  const g = new OnnxGraphBuilder();
  new DecoderGraph(g, cfg, opts.quantization ?? 'none').emit(w);
  return g.encode({
    opset: DECODER_OPSET,
    producer: 'risk-reasoning-graph',
    docString: 'Decoder-only LM (Llama/Qwen2 layout), decoder-with-past interface.',
    metadata: {
      decoder_config: JSON.stringify(cfg),
      quantization: opts.quantization ?? 'none',
      graph_revision: String(DECODER_GRAPH_REVISION),
    },
  });
}

class DecoderGraph {
  private readonly d: number;
  private readonly nRep: number;
  /** DynamicQuantizeLinear outputs per activation name, shared by the MatMuls that read it. */
  private readonly quantizedActivations = new Map<string, [string, string, string]>();
  private perTokenZeroPoint: string | undefined;
  private weightZp: string | undefined;

  constructor(
    private readonly g: OnnxGraphBuilder,
    private readonly cfg: DecoderConfig,
    private readonly quantization: Quantization,
  ) {
    this.d = headDimOf(cfg);
    this.nRep = cfg.numHeads / cfg.numKvHeads;
  }

  emit(w: DecoderWeights): void {
    const { g, cfg, d } = this;
    const kvDims = ['batch_size', cfg.numKvHeads, 'past_sequence_length', d];
    const presentDims = ['batch_size', cfg.numKvHeads, 'total_sequence_length', d];
    const newDims = ['batch_size', cfg.numKvHeads, 'sequence_length', d];
    g.input(decoderIo.inputIds, 'int64', ['batch_size', 'sequence_length']);
    g.input(decoderIo.attentionMask, 'int64', ['batch_size', 'total_sequence_length']);
    g.input(decoderIo.positionIds, 'int64', ['batch_size', 'sequence_length']);
    for (let i = 0; i < cfg.numLayers; i++) {
      g.input(decoderIo.pastKey(i), 'float32', kvDims);
      g.input(decoderIo.pastValue(i), 'float32', kvDims);
    }
    g.output(decoderIo.logits, 'float32', ['batch_size', 'sequence_length', cfg.vocabSize]);
    for (let i = 0; i < cfg.numLayers; i++) {
      g.output(decoderIo.presentKey(i), 'float32', presentDims);
      g.output(decoderIo.presentValue(i), 'float32', presentDims);
      g.output(decoderIo.newKey(i), 'float32', newDims);
      g.output(decoderIo.newValue(i), 'float32', newDims);
    }

    const embedding = this.embedding(w);
    let x = embedding.lookup(decoderIo.inputIds);
    const mask = this.attentionAllowed();
    const [cos, sin] = this.rotaryCosSin();
    w.layers.forEach((layer, i) => {
      x = this.layer(x, i, layer, mask, cos, sin);
    });
    const normed = this.rmsNorm(x, w.finalNorm, 'model.norm.weight');
    const [hidden, vocab] = weightShapes(cfg).lmHead;
    if (cfg.tieEmbeddings) {
      embedding.project(normed, decoderIo.logits);
    } else {
      this.linear(
        normed,
        'lm_head',
        w.lmHead as Float32Array,
        hidden,
        vocab,
        undefined,
        decoderIo.logits,
      );
    }
  }

  /** Embedding lookup and, when tied, the lm_head projection through the same table. */
  private embedding(w: DecoderWeights): {
    lookup: (ids: string) => string;
    project: (x: string, out: string) => void;
  } {
    const { g, cfg } = this;
    const [vocab, hidden] = weightShapes(cfg).embed;
    const name = 'model.embed_tokens.weight';
    if (this.quantization === 'none') {
      g.tensor(name, 'float32', [vocab, hidden], w.embed);
      return {
        lookup: (ids) => g.op('Gather', [name, ids], { axis: 0 }),
        project: (x, out) => {
          const t = g.op('Transpose', [name], { perm: [1, 0] });
          g.op('MatMul', [x, t], {}, out);
        },
      };
    }
    // Per-row int8 table: a row scale dequantizes a looked-up row, and is the column scale of the
    // transposed table used as tied lm_head, so one int8 copy serves both.
    const q = quantizeRowsInt8(w.embed, vocab, hidden);
    g.tensor(`${name}_quantized`, 'uint8', [vocab, hidden], offsetBinary(q.values));
    g.tensor(`${name}_scale`, 'float32', [vocab], q.scales);
    return {
      lookup: (ids) => {
        const stored = g.op('Cast', [g.op('Gather', [`${name}_quantized`, ids], { axis: 0 })], {
          to: 1,
        });
        const rows = g.op('Sub', [stored, g.f32([WEIGHT_ZERO_POINT], [])]);
        const scales = g.op('Unsqueeze', [
          g.op('Gather', [`${name}_scale`, ids], { axis: 0 }),
          g.i64([-1]),
        ]);
        return g.op('Mul', [rows, scales]);
      },
      project: (x, out) => {
        const t = g.op('Transpose', [`${name}_quantized`], { perm: [1, 0] });
        this.integerMatMul(x, t, `${name}_scale`, out);
      },
    };
  }

  /**
   * Boolean [B,1,n_rep·S,T]: key column k is visible to query row i (row r·S + i, for each of
   * the n_rep query heads of a kv group). See README "Mask rule".
   */
  private attentionAllowed(): string {
    const { g, cfg } = this;
    const one = g.i64([1]);
    const zeroScalar = g.i64([0], []);
    const oneScalar = g.i64([1], []);
    const seqLen = g.op('Slice', [g.op('Shape', [decoderIo.inputIds]), one, g.i64([2])]);
    const totalLen = g.op('Slice', [g.op('Shape', [decoderIo.attentionMask]), one, g.i64([2])]);
    const pastLen = g.op('Sub', [totalLen, seqLen]);
    const axis0 = g.i64([0]);
    const keyIndex = g.op('Range', [zeroScalar, g.op('Squeeze', [totalLen, axis0]), oneScalar]);
    const queryIndex = g.op('Range', [
      g.op('Squeeze', [pastLen, axis0]),
      g.op('Squeeze', [totalLen, axis0]),
      oneScalar,
    ]);
    const causal = g.op('LessOrEqual', [
      g.op('Unsqueeze', [keyIndex, axis0]),
      g.op('Unsqueeze', [queryIndex, g.i64([1])]),
    ]); // [S,T]
    const realKey = g.op('Equal', [decoderIo.attentionMask, oneScalar]); // [B,T]
    let allowed = g.op('And', [causal, g.op('Unsqueeze', [realKey, g.i64([1, 2])])]); // [B,1,S,T]

    const sw = cfg.slidingWindow;
    if (sw) {
      const rank = g.op('Sub', [g.op('CumSum', [decoderIo.attentionMask, oneScalar]), oneScalar]);
      const realCount = g.op('ReduceSum', [decoderIo.attentionMask, one], { keepdims: 1 }); // [B,1]
      const lastQueryPos = g.op('Slice', [
        decoderIo.positionIds,
        g.i64([-1]),
        g.i64([Number.MAX_SAFE_INTEGER]),
        one,
      ]); // [B,1]
      const evicted = g.op('Sub', [g.op('Add', [lastQueryPos, oneScalar]), realCount]);
      const globalScalar = g.i64([sw.globalTokens], []);
      const shifted = g.op('Where', [
        g.op('GreaterOrEqual', [rank, globalScalar]),
        evicted,
        zeroScalar,
      ]);
      const keyPos = g.op('Unsqueeze', [g.op('Add', [rank, shifted]), g.i64([1, 2])]); // [B,1,1,T]
      const queryPos = g.op('Unsqueeze', [decoderIo.positionIds, g.i64([1, 3])]); // [B,1,S,1]
      const isGlobal = g.op('Less', [keyPos, globalScalar]);
      const inWindow = g.op('Greater', [keyPos, g.op('Sub', [queryPos, g.i64([sw.window], [])])]);
      allowed = g.op('And', [allowed, g.op('Or', [isGlobal, inWindow])]);
    }
    // One copy per query head of a kv group, as the attention stacks them (rep·S rows).
    return g.op('Tile', [allowed, g.i64([1, 1, this.nRep, 1])], {}, 'attention_allowed'); // [B,1,rep·S,T]
  }

  /** cos/sin of position × inv_freq, [B,1,S,D] each, shared by all layers. */
  private rotaryCosSin(): [string, string] {
    const { g } = this;
    const pos = g.op('Unsqueeze', [g.op('Cast', [decoderIo.positionIds], { to: 1 }), g.i64([2])]);
    const invFreq = g.tensor(
      'rotary_inv_freq',
      'float32',
      [1, this.d / 2],
      ropeInverseFrequencies(this.cfg),
    );
    const freqs = g.op('MatMul', [pos, invFreq]); // [B,S,1] x [1,D/2]
    const emb = g.op('Concat', [freqs, freqs], { axis: -1 });
    const axis1 = g.i64([1]);
    return [
      g.op('Unsqueeze', [g.op('Cos', [emb]), axis1], {}, 'rotary_cos'),
      g.op('Unsqueeze', [g.op('Sin', [emb]), axis1], {}, 'rotary_sin'),
    ];
  }

  private layer(
    x: string,
    i: number,
    w: DecoderWeights['layers'][number],
    mask: string,
    cos: string,
    sin: string,
  ): string {
    const { g, cfg, d } = this;
    const p = `model.layers.${i}`;
    const hidden = cfg.hiddenSize;
    const h = this.rmsNorm(x, w.inputNorm, `${p}.input_layernorm.weight`);
    const heads = (flat: string, n: number): string =>
      g.op('Transpose', [g.op('Reshape', [flat, g.i64([0, 0, n, d])])], { perm: [0, 2, 1, 3] });
    const q = heads(
      this.linear(h, `${p}.self_attn.q_proj`, w.q, hidden, cfg.numHeads * d, w.qBias),
      cfg.numHeads,
    );
    const k = heads(
      this.linear(h, `${p}.self_attn.k_proj`, w.k, hidden, cfg.numKvHeads * d, w.kBias),
      cfg.numKvHeads,
    );
    const v = heads(
      this.linear(h, `${p}.self_attn.v_proj`, w.v, hidden, cfg.numKvHeads * d, w.vBias),
      cfg.numKvHeads,
    );
    const qRot = this.rotate(q, cos, sin);
    const kRot = this.rotate(k, cos, sin);
    const presentK = g.op(
      'Concat',
      [decoderIo.pastKey(i), kRot],
      { axis: 2 },
      decoderIo.presentKey(i),
    );
    const presentV = g.op(
      'Concat',
      [decoderIo.pastValue(i), v],
      { axis: 2 },
      decoderIo.presentValue(i),
    );
    g.op('Identity', [kRot], {}, decoderIo.newKey(i));
    g.op('Identity', [v], {}, decoderIo.newValue(i));

    // Grouped-query attention without materialising repeated K/V: the n_rep query heads that
    // share a kv head (head h uses kv head h / n_rep, as HF repeat_kv) are stacked as rows,
    // [B, H_kv, n_rep·S, D] × [B, H_kv, D, T]: one GEMM per kv head instead of n_rep small ones
    // against a broadcast K (a 32-row decode step 13% faster); the mask is tiled to match.
    const kv = cfg.numKvHeads;
    const stacked = g.op('Reshape', [qRot, g.i64([0, kv, -1, d])]); // [B,Hkv,rep·S,D]
    const kT = g.op('Transpose', [presentK], { perm: [0, 1, 3, 2] }); // [B,Hkv,D,T]
    // Scaling q (S×D) rather than the scores (S×T) saves one S×T buffer on long prefills.
    const scaledQ = g.op('Mul', [stacked, g.f32([1 / Math.sqrt(d)], [])]);
    const scores = g.op('MatMul', [scaledQ, kT]); // [B,Hkv,rep·S,T]
    const masked = g.op('Where', [mask, scores, g.f32([MASKED_SCORE], [])]);
    const probs = g.op('Softmax', [masked], { axis: -1 });
    const ctx4 = g.op('MatMul', [probs, presentV]); // [B,Hkv,rep·S,D]
    const ctx = g.op('Reshape', [
      g.op('Transpose', [g.op('Reshape', [ctx4, g.i64([0, cfg.numHeads, -1, d])])], {
        perm: [0, 2, 1, 3],
      }),
      g.i64([0, 0, cfg.numHeads * d]),
    ]);
    const attnOut = this.linear(ctx, `${p}.self_attn.o_proj`, w.o, cfg.numHeads * d, hidden);
    const x1 = g.op('Add', [x, attnOut]);

    const h2 = this.rmsNorm(x1, w.postAttentionNorm, `${p}.post_attention_layernorm.weight`);
    const inter = cfg.intermediateSize;
    const gate = this.linear(h2, `${p}.mlp.gate_proj`, w.gate, hidden, inter);
    const up = this.linear(h2, `${p}.mlp.up_proj`, w.up, hidden, inter);
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    const down = this.linear(act, `${p}.mlp.down_proj`, w.down, inter, hidden);
    return g.op('Add', [x1, down]);
  }

  /** HF rotate_half convention: x*cos + cat(-x2, x1)*sin, halves along the head dim. */
  private rotate(x: string, cos: string, sin: string): string {
    const { g, d } = this;
    const axis = g.i64([3]);
    const x1 = g.op('Slice', [x, g.i64([0]), g.i64([d / 2]), axis]);
    const x2 = g.op('Slice', [x, g.i64([d / 2]), g.i64([d]), axis]);
    const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
    return g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [rotated, sin])]);
  }

  private rmsNorm(x: string, weight: Float32Array, name: string): string {
    const { g } = this;
    g.tensor(name, 'float32', [weight.length], weight);
    const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    const rms = g.op('Sqrt', [g.op('Add', [meanSquare, g.f32([this.cfg.rmsNormEps], [])])]);
    return g.op('Mul', [g.op('Div', [x, rms]), name]);
  }

  /** x @ W (+ b); W is [inDim, outDim]. Dynamically quantized in int8 mode. */
  private linear(
    x: string,
    name: string,
    weight: Float32Array,
    inDim: number,
    outDim: number,
    bias?: Float32Array,
    outName?: string,
  ): string {
    const { g } = this;
    const needsBias = bias !== undefined;
    const projected = needsBias ? undefined : outName;
    let y: string;
    if (this.quantization === 'none') {
      g.tensor(`${name}.weight`, 'float32', [inDim, outDim], weight);
      y = g.op('MatMul', [x, `${name}.weight`], {}, projected);
    } else {
      const q = quantizeColumnsInt8(weight, inDim, outDim);
      g.tensor(`${name}.weight_quantized`, 'uint8', [inDim, outDim], offsetBinary(q.values));
      g.tensor(`${name}.weight_scale`, 'float32', [outDim], q.scales);
      y = this.integerMatMul(x, `${name}.weight_quantized`, `${name}.weight_scale`, projected);
    }
    if (!needsBias) return y;
    g.tensor(`${name}.bias`, 'float32', [outDim], bias);
    return g.op('Add', [y, `${name}.bias`], {}, outName);
  }

  /** The weights' zero point: int8 values are stored as q + 128 in uint8 (`offsetBinary`). */
  private weightZeroPoint(): string {
    this.weightZp ??= this.g.tensor(
      'weight_zero_point_128',
      'uint8',
      [],
      Uint8Array.of(WEIGHT_ZERO_POINT),
    );
    return this.weightZp;
  }

  /**
   * DynamicQuantizeLinear(x) → MatMulInteger → Cast → × (x_scale · w_scale), as quantize_dynamic,
   * with the weights as uint8 and zero point 128: onnxruntime then takes its u8×u8 kernel, exact
   * on every x86 CPU. Its faster u8×s8 kernel (int8 weights) adds pairs of products in int16 with
   * saturation on CPUs without VNNI (AVX2 only; onnxruntime issue #6004): measured here on an
   * AVX2-only EPYC, the tiny preset's logits were off by 0.13 instead of ~0.01.
   */
  private integerMatMul(
    x: string,
    weightU8: string,
    weightScale: string,
    outName?: string,
  ): string {
    const { g } = this;
    let qx = this.quantizedActivations.get(x);
    if (!qx) {
      qx =
        this.quantization === 'int8-per-token'
          ? this.quantizePerToken(x)
          : this.quantizePerTensor(x);
      this.quantizedActivations.set(x, qx);
    }
    const [xq, xScale, xZero] = qx;
    const acc = g.op(
      'Cast',
      [g.op('MatMulInteger', [xq, weightU8, xZero, this.weightZeroPoint()])],
      {
        to: 1,
      },
    );
    if (this.quantization === 'int8-per-token') {
      // Not `acc * (xScale * wScale)`: onnxruntime fuses that shape into MatMulIntegerToFloat,
      // which takes the activation scale as one scalar and silently breaks per-token scales.
      return g.op('Mul', [g.op('Mul', [acc, weightScale]), xScale], {}, outName);
    }
    return g.op('Mul', [acc, g.op('Mul', [xScale, weightScale])], {}, outName);
  }

  /** DynamicQuantizeLinear: uint8, asymmetric, one scale and zero point for the whole tensor. */
  private quantizePerTensor(x: string): [string, string, string] {
    const { g } = this;
    const names: [string, string, string] = [
      g.fresh(`${x}_q`),
      g.fresh(`${x}_scale`),
      g.fresh(`${x}_zp`),
    ];
    g.opMulti('DynamicQuantizeLinear', [x], names);
    return names;
  }

  /**
   * Symmetric 8-bit with one scale per token (last axis): q = round(x / scale) in [-127, 127],
   * stored as q + 128 in uint8 with zero point 128 so MatMulInteger takes the fast u8×s8 path.
   */
  private quantizePerToken(x: string): [string, string, string] {
    const { g } = this;
    const absMax = g.op('ReduceMax', [g.op('Abs', [x])], { axes: [-1], keepdims: 1 });
    const scale = g.op('Div', [g.op('Max', [absMax, g.f32([1e-12], [])]), g.f32([127], [])]);
    const rounded = g.op('Round', [g.op('Div', [x, scale])]);
    const clipped = g.op('Clip', [rounded, g.f32([-127], []), g.f32([127], [])]);
    const shifted = g.op('Cast', [g.op('Add', [clipped, g.f32([128], [])])], { to: 2 });
    if (!this.perTokenZeroPoint) {
      this.perTokenZeroPoint = g.tensor(
        'activation_zero_point_128',
        'uint8',
        [],
        Uint8Array.of(128),
      );
    }
    return [shifted, scale, this.perTokenZeroPoint];
  }
}
