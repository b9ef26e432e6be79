import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DecoderConfig, DecoderWeights, headDimOf, validateDecoderConfig } from './decoder-config';
import { Quantization, buildDecoderModel } from './decoder-graph';
import {
  SPECIAL_TOKENS,
  TokenizerJson,
  buildTokenizerConfigJson,
  buildTokenizerJson,
} from './tokenizer-json';

export const MODEL_FILE = 'model.onnx';

/** HF `config.json` (Qwen2/Llama keys) plus `risk_*` keys for our own extensions. */
export interface HfDecoderConfigJson {
  architectures: string[];
  model_type: 'qwen2' | 'llama';
  hidden_size: number;
  intermediate_size: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  num_hidden_layers: number;
  head_dim: number;
  vocab_size: number;
  rope_theta: number;
  rms_norm_eps: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  attention_bias: boolean;
  hidden_act: 'silu';
  torch_dtype: 'float32';
  bos_token_id: number | null;
  eos_token_id: number;
  pad_token_id: number;
  use_sliding_window: false;
  risk_sliding_window?: { window: number; global_tokens: number };
  risk_model_name: string;
  risk_model_version: string;
  risk_quantization: Quantization;
}

const EOS_ID = SPECIAL_TOKENS.indexOf('<|im_end|>');
const PAD_ID = SPECIAL_TOKENS.indexOf('<pad>');

export function toHfConfigJson(
  cfg: DecoderConfig,
  meta: { name: string; version: string; quantization: Quantization },
): HfDecoderConfigJson {
  // Qwen2 is the family with q/k/v biases; Llama without.
  const modelType = cfg.attentionBias ? 'qwen2' : 'llama';
  return {
    architectures: [modelType === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    model_type: modelType,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_attention_heads: cfg.numHeads,
    num_key_value_heads: cfg.numKvHeads,
    num_hidden_layers: cfg.numLayers,
    head_dim: headDimOf(cfg),
    vocab_size: cfg.vocabSize,
    rope_theta: cfg.ropeTheta,
    rms_norm_eps: cfg.rmsNormEps,
    max_position_embeddings: cfg.maxPositions,
    tie_word_embeddings: cfg.tieEmbeddings,
    attention_bias: cfg.attentionBias,
    hidden_act: 'silu',
    torch_dtype: 'float32',
    bos_token_id: null,
    eos_token_id: EOS_ID,
    pad_token_id: PAD_ID,
    // HF's own sliding window is a different rule; ours is risk_sliding_window.
    use_sliding_window: false,
    ...(cfg.slidingWindow
      ? {
          risk_sliding_window: {
            window: cfg.slidingWindow.window,
            global_tokens: cfg.slidingWindow.globalTokens,
          },
        }
      : {}),
    risk_model_name: meta.name,
    risk_model_version: meta.version,
    risk_quantization: meta.quantization,
  };
}

/** Reads back the DecoderConfig from a parsed `config.json` (ours or a Qwen2/Llama one). */
export function fromHfConfigJson(json: Record<string, unknown>): DecoderConfig {
  const num = (key: string, fallback?: number): number => {
    const v = json[key];
    if (typeof v === 'number') return v;
    if (fallback !== undefined) return fallback;
    throw new Error(`config.json: missing numeric ${key}`);
  };
  const hidden = num('hidden_size');
  const heads = num('num_attention_heads');
  const sw = json.risk_sliding_window as { window?: unknown; global_tokens?: unknown } | undefined;
  const cfg: DecoderConfig = {
    vocabSize: num('vocab_size'),
    hiddenSize: hidden,
    intermediateSize: num('intermediate_size'),
    numLayers: num('num_hidden_layers'),
    numHeads: heads,
    numKvHeads: num('num_key_value_heads', heads),
    headDim: num('head_dim', hidden / heads),
    ropeTheta: num('rope_theta', 10000),
    rmsNormEps: num('rms_norm_eps', 1e-6),
    maxPositions: num('max_position_embeddings'),
    tieEmbeddings: json.tie_word_embeddings === true,
    attentionBias:
      typeof json.attention_bias === 'boolean' ? json.attention_bias : json.model_type === 'qwen2',
    ...(sw && typeof sw.window === 'number' && typeof sw.global_tokens === 'number'
      ? { slidingWindow: { window: sw.window, globalTokens: sw.global_tokens } }
      : {}),
  };
  return validateDecoderConfig(cfg);
}

export interface ModelFolderArgs {
  cfg: DecoderConfig;
  weights: DecoderWeights | { seed: number };
  quantization?: Quantization;
  /** Defaults to a byte-level BPE trained on the built-in corpus, capped at cfg.vocabSize. */
  tokenizerJson?: TokenizerJson;
  name: string;
  version: string;
}

/** Writes model.onnx, config.json, generation_config.json, tokenizer.json, tokenizer_config.json. */
export async function writeModelFolder(
  dir: string,
  args: ModelFolderArgs,
): Promise<{ modelBytes: number }> {
  const quantization = args.quantization ?? 'none';
  const tokenizer = args.tokenizerJson ?? buildTokenizerJson({ vocabSize: args.cfg.vocabSize });
  const tokenizerSize = Object.keys(tokenizer.model.vocab).length;
  if (tokenizerSize > args.cfg.vocabSize) {
    throw new Error(`tokenizer has ${tokenizerSize} tokens, model vocab is ${args.cfg.vocabSize}`);
  }
  const model = buildDecoderModel(args.cfg, args.weights, { quantization });
  await mkdir(dir, { recursive: true });
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  await Promise.all([
    writeFile(join(dir, MODEL_FILE), model),
    writeFile(
      join(dir, 'config.json'),
      json(toHfConfigJson(args.cfg, { name: args.name, version: args.version, quantization })),
    ),
    writeFile(
      join(dir, 'generation_config.json'),
      json({ eos_token_id: EOS_ID, pad_token_id: PAD_ID, do_sample: false, max_new_tokens: 128 }),
    ),
    writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer)),
    writeFile(
      join(dir, 'tokenizer_config.json'),
      json(buildTokenizerConfigJson(args.cfg.maxPositions)),
    ),
  ]);
  return { modelBytes: model.length };
}
