import {
  DecoderConfig,
  DecoderWeights,
  checkDecoderWeights,
  headDimOf,
  validateDecoderConfig,
  weightShapes,
} from './decoder-config';
import { OnnxGraphBuilder } from './onnx-builder';
import { float32ToFloat16 } from '@risk/lm-runtime/formats/float16';
import { quantizeBlockwiseInt4, quantizeColumnsInt8, quantizeRowsInt8 } from './quantize';
import { randomDecoderWeights } from './random-weights';

/**
 * 'int8': onnxruntime quantize_dynamic style (uint8 activations, one scale per tensor), so a row's
 * result depends on the other rows and tokens in the same call. 'int8-per-token': symmetric int8
 * activations with one scale per token, so each token's result depends only on itself and its
 * cache, as in fp32 (batching and chunked prefill give the same logits as a lone full run).
 */
export type Quantization = 'none' | 'int8' | 'int8-per-token' | 'int4';

/**
 * The I/O layout of the exported file, to build models exactly as exporters write them (the
 * defaults are this project's own layout).
 */
export interface ExportLayout {
  /**
   * 'float16': past/present K/V and logits are float16 and weights are stored as float16, as an
   * Optimum `--dtype fp16` export (arithmetic stays float32 here; the cache is rounded to fp16
   * before attention reads it, so cached and full runs see the same values).
   */
  readonly kvDtype?: 'float32' | 'float16';
  /** false: no `position_ids` input; positions are cumsum(attention_mask) − 1 (Optimum). */
  readonly positionIds?: boolean;
  /** false: no `present_new.*` outputs (every exporter's layout; this project's builder adds them). */
  readonly newKvOutputs?: boolean;
  /**
   * 'gqa': onnxruntime-genai's `GroupQueryAttention` (com.microsoft) with rotary inside,
   * `seqlens_k` = rows of the mask − 1 and `total_sequence_length` = its width; past and present
   * may be one shared buffer. No sliding window. With kvDtype 'float16' the op runs in float16
   * (q/k/v, cos/sin caches, K/V), as genai's CUDA fp16 builds.
   */
  readonly attention?: 'concat' | 'gqa';
  /**
   * With 'gqa': rotary applied before the op from a `position_ids` input (as genai builds that
   * keep RotaryEmbedding outside attention) instead of inside it (`do_rotary`).
   */
  readonly gqaPositionIds?: boolean;
}

export interface BuildDecoderOptions {
  quantization?: Quantization;
  layout?: ExportLayout;
}

/** Block size of the int4 (`MatMulNBits`) weights, onnxruntime-genai's default. */
export const INT4_BLOCK_SIZE = 32;

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
  const g = decoderGraph(cfg, weights, opts);
  return g.encode(graphMeta(cfg, opts));
}

/** As buildDecoderModel, with the weights in an external data file named `location`. */
export function buildDecoderModelWithExternalData(
  cfg: DecoderConfig,
  weights: DecoderWeights | { seed: number },
  opts: BuildDecoderOptions,
  location: string,
): { model: Uint8Array; data: Uint8Array } {
  return decoderGraph(cfg, weights, opts).encodeWithExternalData(graphMeta(cfg, opts), location);
}

function decoderGraph(
  cfg: DecoderConfig,
  weights: DecoderWeights | { seed: number },
  opts: BuildDecoderOptions,
): OnnxGraphBuilder {
  validateDecoderConfig(cfg);
  const layout = opts.layout ?? {};
  if (layout.attention === 'gqa' && cfg.slidingWindow) {
    throw new Error('the GroupQueryAttention layout is built without sliding window');
  }
  const w = 'seed' in weights ? randomDecoderWeights(cfg, weights.seed) : weights;
  checkDecoderWeights(cfg, w);
  const g = new OnnxGraphBuilder();
  new DecoderGraph(g, cfg, opts.quantization ?? 'none', layout).emit(w);
  return g;
}

function graphMeta(
  cfg: DecoderConfig,
  opts: BuildDecoderOptions,
): { opset: number; producer: string; docString: string; metadata: Record<string, string> } {
  return {
    opset: DECODER_OPSET,
    producer: 'risk-reasoning-graph',
    docString: 'Decoder-only LM (Llama/Qwen2 layout), decoder-with-past interface.',
    metadata: {
      decoder_config: JSON.stringify(cfg),
      quantization: opts.quantization ?? 'none',
      graph_revision: String(DECODER_GRAPH_REVISION),
      ...(opts.layout ? { export_layout: JSON.stringify(opts.layout) } : {}),
    },
  };
}

class DecoderGraph {
  private readonly d: number;
  private readonly nRep: number;
  /** DynamicQuantizeLinear outputs per activation name, shared by the MatMuls that read it. */
  private readonly quantizedActivations = new Map<string, [string, string, string]>();
  private perTokenZeroPoint: string | undefined;
  private weightZp: string | undefined;
  private readonly half: boolean;
  private readonly gqa: boolean;
  /** position_ids, the input or derived from the mask. */
  private positions: string = decoderIo.positionIds;

  constructor(
    private readonly g: OnnxGraphBuilder,
    private readonly cfg: DecoderConfig,
    private readonly quantization: Quantization,
    private readonly layout: ExportLayout = {},
  ) {
    this.d = headDimOf(cfg);
    this.nRep = cfg.numHeads / cfg.numKvHeads;
    this.half = layout.kvDtype === 'float16';
    this.gqa = layout.attention === 'gqa';
  }

  /** Float tensors at the graph's boundary (K/V, logits). */
  private get ioFloat(): 'float32' | 'float16' {
    return this.half ? 'float16' : 'float32';
  }

  emit(w: DecoderWeights): void {
    const { g, cfg, d } = this;
    const kvDims = ['batch_size', cfg.numKvHeads, 'past_sequence_length', d];
    const presentDims = ['batch_size', cfg.numKvHeads, 'total_sequence_length', d];
    const newDims = ['batch_size', cfg.numKvHeads, 'sequence_length', d];
    const io = this.ioFloat;
    const withPositions = this.gqa
      ? this.layout.gqaPositionIds === true
      : this.layout.positionIds !== false;
    const withNew = this.layout.newKvOutputs !== false && !this.gqa;
    g.input(decoderIo.inputIds, 'int64', ['batch_size', 'sequence_length']);
    g.input(decoderIo.attentionMask, 'int64', ['batch_size', 'total_sequence_length']);
    if (withPositions) g.input(decoderIo.positionIds, 'int64', ['batch_size', 'sequence_length']);
    for (let i = 0; i < cfg.numLayers; i++) {
      g.input(decoderIo.pastKey(i), io, kvDims);
      g.input(decoderIo.pastValue(i), io, kvDims);
    }
    g.output(decoderIo.logits, io, ['batch_size', 'sequence_length', cfg.vocabSize]);
    for (let i = 0; i < cfg.numLayers; i++) {
      g.output(decoderIo.presentKey(i), io, presentDims);
      g.output(decoderIo.presentValue(i), io, presentDims);
      if (withNew) {
        g.output(decoderIo.newKey(i), io, newDims);
        g.output(decoderIo.newValue(i), io, newDims);
      }
    }
    if (!withPositions && !this.gqa) this.positions = this.positionsFromMask();

    const embedding = this.embedding(w);
    let x = embedding.lookup(decoderIo.inputIds);
    if (this.gqa) {
      const gqa = this.gqaInputs();
      const rotary = withPositions ? this.rotaryCosSin() : undefined;
      w.layers.forEach((layer, i) => {
        x = this.layerGqa(x, i, layer, gqa, rotary);
      });
    } else {
      const mask = this.attentionAllowed();
      const [cos, sin] = this.rotaryCosSin();
      w.layers.forEach((layer, i) => {
        x = this.layer(x, i, layer, mask, cos, sin, withNew);
      });
    }
    const logits = this.half ? 'logits_float32' : decoderIo.logits;
    const normed = this.rmsNorm(x, w.finalNorm, 'model.norm.weight');
    const [hidden, vocab] = weightShapes(cfg).lmHead;
    if (cfg.tieEmbeddings) {
      embedding.project(normed, logits);
    } else {
      this.linear(normed, 'lm_head', w.lmHead as Float32Array, hidden, vocab, undefined, logits);
    }
    if (this.half) g.op('Cast', [logits], { to: FLOAT16 }, decoderIo.logits);
  }

  /** HF's position_ids without the input: cumsum(attention_mask) − 1, the last S columns. */
  private positionsFromMask(): string {
    const { g } = this;
    const rank = g.op('Sub', [
      g.op('CumSum', [decoderIo.attentionMask, g.i64([1], [])]),
      g.i64([1], []),
    ]);
    const seqLen = g.op('Slice', [g.op('Shape', [decoderIo.inputIds]), g.i64([1]), g.i64([2])]);
    return g.op(
      'Slice',
      [rank, g.op('Neg', [seqLen]), g.i64([Number.MAX_SAFE_INTEGER]), g.i64([1])],
      {},
      'position_ids_from_mask',
    );
  }

  /** GroupQueryAttention's shared inputs: seqlens_k, total_sequence_length, cos/sin caches. */
  private gqaInputs(): { seqlensK: string; total: string; cos: string; sin: string } {
    const { g, cfg, d } = this;
    const rows = g.op('ReduceSum', [decoderIo.attentionMask, g.i64([1])], { keepdims: 0 });
    const seqlensK = g.op(
      'Cast',
      [g.op('Sub', [rows, g.i64([1], [])])],
      { to: INT32 },
      'seqlens_k',
    );
    const width = g.op('Gather', [g.op('Shape', [decoderIo.attentionMask]), g.i64([1], [])], {
      axis: 0,
    });
    const total = g.op('Cast', [width], { to: INT32 }, 'total_sequence_length');
    const inv = ropeInverseFrequencies(cfg);
    const cos = new Float32Array(cfg.maxPositions * (d / 2));
    const sin = new Float32Array(cfg.maxPositions * (d / 2));
    for (let p = 0; p < cfg.maxPositions; p++) {
      for (let i = 0; i < d / 2; i++) {
        cos[p * (d / 2) + i] = Math.cos(p * inv[i]);
        sin[p * (d / 2) + i] = Math.sin(p * inv[i]);
      }
    }
    return {
      seqlensK,
      total,
      ...(this.half
        ? {
            cos: g.tensor('cos_cache', 'float16', [cfg.maxPositions, d / 2], float32ToFloat16(cos)),
            sin: g.tensor('sin_cache', 'float16', [cfg.maxPositions, d / 2], float32ToFloat16(sin)),
          }
        : {
            cos: g.tensor('cos_cache', 'float32', [cfg.maxPositions, d / 2], cos),
            sin: g.tensor('sin_cache', 'float32', [cfg.maxPositions, d / 2], sin),
          }),
    };
  }

  /** A layer as onnxruntime-genai writes it: q/k/v [B,S,H·D] into GroupQueryAttention. */
  private layerGqa(
    x: string,
    i: number,
    w: DecoderWeights['layers'][number],
    gqa: { seqlensK: string; total: string; cos: string; sin: string },
    rotary?: [string, string],
  ): string {
    const { g, cfg, d } = this;
    const p = `model.layers.${i}`;
    const hidden = cfg.hiddenSize;
    const h = this.rmsNorm(x, w.inputNorm, `${p}.input_layernorm.weight`);
    let q = this.linear(h, `${p}.self_attn.q_proj`, w.q, hidden, cfg.numHeads * d, w.qBias);
    let k = this.linear(h, `${p}.self_attn.k_proj`, w.k, hidden, cfg.numKvHeads * d, w.kBias);
    const v = this.linear(h, `${p}.self_attn.v_proj`, w.v, hidden, cfg.numKvHeads * d, w.vBias);
    if (cfg.qkNorm) {
      const perHead = (t: string, n: number, name: string): string =>
        g.op('Reshape', [
          this.rmsNorm(g.op('Reshape', [t, g.i64([0, 0, n, d])]), ones(d), name),
          g.i64([0, 0, n * d]),
        ]);
      q = perHead(q, cfg.numHeads, `${p}.self_attn.q_norm.weight`);
      k = perHead(k, cfg.numKvHeads, `${p}.self_attn.k_norm.weight`);
    }
    if (rotary) {
      // [B,S,n·D] → [B,n,S,D], rotate, and back.
      const rope = (t: string, n: number): string => {
        const bnsd = g.op('Transpose', [g.op('Reshape', [t, g.i64([0, 0, n, d])])], {
          perm: [0, 2, 1, 3],
        });
        const rotated = this.rotate(bnsd, rotary[0], rotary[1]);
        return g.op('Reshape', [
          g.op('Transpose', [rotated], { perm: [0, 2, 1, 3] }),
          g.i64([0, 0, n * d]),
        ]);
      };
      q = rope(q, cfg.numHeads);
      k = rope(k, cfg.numKvHeads);
    }
    // A float16 build (genai's CUDA builds) runs the op in float16, K/V cache included.
    const toIo = (t: string): string => (this.half ? g.op('Cast', [t], { to: FLOAT16 }) : t);
    const [attnIo] = g.opMulti(
      'GroupQueryAttention',
      [
        toIo(q),
        toIo(k),
        toIo(v),
        decoderIo.pastKey(i),
        decoderIo.pastValue(i),
        gqa.seqlensK,
        gqa.total,
        gqa.cos,
        gqa.sin,
      ],
      [g.fresh('gqa_out'), decoderIo.presentKey(i), decoderIo.presentValue(i)],
      {
        num_heads: cfg.numHeads,
        kv_num_heads: cfg.numKvHeads,
        do_rotary: rotary ? 0 : 1,
        rotary_interleaved: 0,
      },
      'com.microsoft',
    );
    const attn = this.half ? g.op('Cast', [attnIo], { to: FLOAT }) : attnIo;
    const attnOut = this.linear(attn, `${p}.self_attn.o_proj`, w.o, cfg.numHeads * d, hidden);
    const x1 = g.op('Add', [x, attnOut]);
    return this.mlp(x1, p, w);
  }

  /** Embedding lookup and, when tied, the lm_head projection through the same table. */
  private embedding(w: DecoderWeights): {
    lookup: (ids: string) => string;
    project: (x: string, out: string) => void;
  } {
    const { g, cfg } = this;
    const [vocab, hidden] = weightShapes(cfg).embed;
    const name = 'model.embed_tokens.weight';
    if (this.quantization === 'int4') {
      // As onnxruntime-genai: a float table for the lookup, lm_head as its own int4 MatMulNBits.
      g.tensor(name, 'float32', [vocab, hidden], w.embed);
      return {
        lookup: (ids) => g.op('Gather', [name, ids], { axis: 0 }),
        project: (x, out) => {
          this.linear(
            x,
            'lm_head',
            transpose(w.embed, vocab, hidden),
            hidden,
            vocab,
            undefined,
            out,
          );
        },
      };
    }
    if (this.quantization === 'none') {
      const table = this.half
        ? g.op('Cast', [g.tensor(name, 'float16', [vocab, hidden], float32ToFloat16(w.embed))], {
            to: FLOAT,
          })
        : g.tensor(name, 'float32', [vocab, hidden], w.embed);
      return {
        lookup: (ids) => g.op('Gather', [table, ids], { axis: 0 }),
        project: (x, out) => {
          const t = g.op('Transpose', [table], { perm: [1, 0] });
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
        this.positions,
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
      const queryPos = g.op('Unsqueeze', [this.positions, g.i64([1, 3])]); // [B,1,S,1]
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
    const pos = g.op('Unsqueeze', [g.op('Cast', [this.positions], { to: 1 }), g.i64([2])]);
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
    withNew = true,
  ): string {
    const { g, cfg, d } = this;
    const p = `model.layers.${i}`;
    const hidden = cfg.hiddenSize;
    const h = this.rmsNorm(x, w.inputNorm, `${p}.input_layernorm.weight`);
    const heads = (flat: string, n: number): string =>
      g.op('Transpose', [g.op('Reshape', [flat, g.i64([0, 0, n, d])])], { perm: [0, 2, 1, 3] });
    let q = heads(
      this.linear(h, `${p}.self_attn.q_proj`, w.q, hidden, cfg.numHeads * d, w.qBias),
      cfg.numHeads,
    );
    let k = heads(
      this.linear(h, `${p}.self_attn.k_proj`, w.k, hidden, cfg.numKvHeads * d, w.kBias),
      cfg.numKvHeads,
    );
    if (cfg.qkNorm) {
      // Qwen3: RMSNorm over each head's D before RoPE ([B, H, S, D], last axis).
      q = this.rmsNorm(q, ones(d), `${p}.self_attn.q_norm.weight`);
      k = this.rmsNorm(k, ones(d), `${p}.self_attn.k_norm.weight`);
    }
    const v = heads(
      this.linear(h, `${p}.self_attn.v_proj`, w.v, hidden, cfg.numKvHeads * d, w.vBias),
      cfg.numKvHeads,
    );
    const qRot = this.rotate(q, cos, sin);
    const kRot = this.rotate(k, cos, sin);
    let presentK: string;
    let presentV: string;
    if (this.half) {
      // The cache is float16: attention reads the rounded values, cached or not.
      const newK = g.op('Cast', [kRot], { to: FLOAT16 });
      const newV = g.op('Cast', [v], { to: FLOAT16 });
      const pk = g.op('Concat', [decoderIo.pastKey(i), newK], { axis: 2 }, decoderIo.presentKey(i));
      const pv = g.op(
        'Concat',
        [decoderIo.pastValue(i), newV],
        { axis: 2 },
        decoderIo.presentValue(i),
      );
      presentK = g.op('Cast', [pk], { to: FLOAT });
      presentV = g.op('Cast', [pv], { to: FLOAT });
      if (withNew) {
        g.op('Identity', [newK], {}, decoderIo.newKey(i));
        g.op('Identity', [newV], {}, decoderIo.newValue(i));
      }
    } else {
      presentK = g.op('Concat', [decoderIo.pastKey(i), kRot], { axis: 2 }, decoderIo.presentKey(i));
      presentV = g.op(
        'Concat',
        [decoderIo.pastValue(i), v],
        { axis: 2 },
        decoderIo.presentValue(i),
      );
      if (withNew) {
        g.op('Identity', [kRot], {}, decoderIo.newKey(i));
        g.op('Identity', [v], {}, decoderIo.newValue(i));
      }
    }

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
    return this.mlp(x1, p, w);
  }

  private mlp(x1: string, p: string, w: DecoderWeights['layers'][number]): string {
    const { g, cfg } = this;
    const hidden = cfg.hiddenSize;
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
    if (this.quantization === 'int4') {
      const q = quantizeBlockwiseInt4(weight, inDim, outDim, INT4_BLOCK_SIZE);
      g.tensor(`${name}.weight_Q4`, 'uint8', [outDim, q.blocks, INT4_BLOCK_SIZE / 2], q.packed);
      g.tensor(`${name}.weight_scales`, 'float32', [outDim * q.blocks], q.scales);
      y = g.op(
        'MatMulNBits',
        [x, `${name}.weight_Q4`, `${name}.weight_scales`],
        { K: inDim, N: outDim, bits: 4, block_size: INT4_BLOCK_SIZE },
        projected,
        'com.microsoft',
      );
    } else if (this.quantization === 'none' && this.half) {
      const stored = g.tensor(
        `${name}.weight`,
        'float16',
        [inDim, outDim],
        float32ToFloat16(weight),
      );
      y = g.op('MatMul', [x, g.op('Cast', [stored], { to: FLOAT })], {}, projected);
    } else if (this.quantization === 'none') {
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

/** ONNX TensorProto data types used by Cast. */
const FLOAT = 1;
const INT32 = 6;
const FLOAT16 = 10;

function ones(n: number): Float32Array {
  return new Float32Array(n).fill(1);
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}
