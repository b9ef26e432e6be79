import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readModelJson } from '../model-files';
import { ModelSpec, parseGenaiSpec, parseModelSpec } from '../model-spec';

/**
 * How a model folder is laid out, whichever exporter wrote it: Hugging Face Optimum / this
 * project's builder (`config.json`, `model.onnx` or `decoder_model_merged.onnx`, external data
 * beside it) or onnxruntime-genai (`genai_config.json` naming the file and the I/O names; its
 * attention is `GroupQueryAttention`, which takes each row's cache right-aligned at slot 0 and
 * its lengths from the attention mask).
 */
export interface ModelFormat {
  readonly exporter: 'optimum' | 'genai';
  readonly spec: ModelSpec;
  readonly modelFile: string;
  /** `%d` stands for the layer. */
  readonly names: {
    readonly pastKey: string;
    readonly pastValue: string;
    readonly presentKey: string;
    readonly presentValue: string;
    readonly logits: string;
  };
  /** 'gqa': rows right-aligned, lengths from the mask (onnxruntime-genai). */
  readonly attention: 'concat' | 'gqa';
}

const HF_NAMES: ModelFormat['names'] = {
  pastKey: 'past_key_values.%d.key',
  pastValue: 'past_key_values.%d.value',
  presentKey: 'present.%d.key',
  presentValue: 'present.%d.value',
  logits: 'logits',
};

/** Optimum's file names, in the order they are tried. */
const OPTIMUM_FILES = ['model.onnx', 'decoder_model_merged.onnx', 'decoder_with_past_model.onnx'];

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function str(obj: Record<string, unknown> | undefined, key: string, fallback: string): string {
  const v = obj?.[key];
  return typeof v === 'string' && v.length > 0 ? v : fallback;
}

/** Reads the folder's layout; undefined when it has neither config.json nor genai_config.json. */
export async function readModelFormat(modelDir: string): Promise<ModelFormat | undefined> {
  const cfg = await readModelJson(modelDir, 'config.json');
  const genai = await readModelJson(modelDir, 'genai_config.json');
  if (genai) {
    const model = genai['model'] as Record<string, unknown> | undefined;
    const decoder = model?.['decoder'] as Record<string, unknown> | undefined;
    const inputs = decoder?.['inputs'] as Record<string, unknown> | undefined;
    const outputs = decoder?.['outputs'] as Record<string, unknown> | undefined;
    const generation = await readModelJson(modelDir, 'generation_config.json');
    // A genai folder may carry the HF config.json too; its spec then wins (sliding window etc.).
    const spec = cfg ? parseModelSpec(cfg, generation) : parseGenaiSpec(genai);
    const genaiEos = parseGenaiSpec(genai).eosTokenIds;
    return {
      exporter: 'genai',
      spec: { ...spec, eosTokenIds: [...new Set([...spec.eosTokenIds, ...genaiEos])] },
      modelFile: path.join(modelDir, str(decoder, 'filename', 'model.onnx')),
      names: {
        pastKey: str(inputs, 'past_key_names', HF_NAMES.pastKey),
        pastValue: str(inputs, 'past_value_names', HF_NAMES.pastValue),
        presentKey: str(outputs, 'present_key_names', HF_NAMES.presentKey),
        presentValue: str(outputs, 'present_value_names', HF_NAMES.presentValue),
        logits: str(outputs, 'logits', HF_NAMES.logits),
      },
      attention: 'gqa',
    };
  }
  if (!cfg) return undefined;
  // Chat models list their end-of-turn token in generation_config.json (Qwen2.5-Instruct).
  const generation = await readModelJson(modelDir, 'generation_config.json');
  let modelFile: string | undefined;
  for (const name of OPTIMUM_FILES) {
    if (await exists(path.join(modelDir, name))) {
      modelFile = path.join(modelDir, name);
      break;
    }
  }
  return {
    exporter: 'optimum',
    spec: parseModelSpec(cfg, generation),
    modelFile: modelFile ?? path.join(modelDir, 'model.onnx'),
    names: HF_NAMES,
    attention: 'concat',
  };
}

/** The folder's spec (config.json, else genai_config.json); undefined when it has neither. */
export async function readModelSpec(modelDir: string): Promise<ModelSpec | undefined> {
  return (await readModelFormat(modelDir))?.spec;
}
