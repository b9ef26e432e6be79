/** What the runtime needs to know about a decoder, read from a Hugging Face `config.json`. */
export interface SlidingWindowSpec {
  /** Most recent positions every token attends to (itself included). */
  readonly window: number;
  /** Leading positions every token also attends to (attention sinks). */
  readonly globalTokens: number;
}

export interface ModelSpec {
  readonly numLayers: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly maxPositions: number;
  readonly eosTokenIds: readonly number[];
  readonly slidingWindow?: SlidingWindowSpec;
}

/**
 * Bytes of one K/V element as the runtime holds it: float32 in host memory, also for models
 * whose K/V inputs are float16 (converted at the session boundary).
 */
export const KV_DTYPE_BYTES = 4;

export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError';
}

function positiveInt(cfg: Record<string, unknown>, key: string, fallback?: number): number {
  const value = cfg[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ModelConfigError(`config.json: "${key}" must be a positive integer`);
  }
  return value;
}

function tokenIds(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return [];
}

export function parseModelSpec(
  cfg: Record<string, unknown>,
  generationConfig?: Record<string, unknown>,
): ModelSpec {
  const numLayers = positiveInt(cfg, 'num_hidden_layers');
  const numHeads = positiveInt(cfg, 'num_attention_heads');
  const numKvHeads = positiveInt(cfg, 'num_key_value_heads', numHeads);
  const hiddenSize = positiveInt(cfg, 'hidden_size');
  const headDim = positiveInt(cfg, 'head_dim', Math.floor(hiddenSize / numHeads));
  const window = cfg['risk_sliding_window'];
  let slidingWindow: SlidingWindowSpec | undefined;
  if (window !== undefined && window !== null) {
    const w = window as Record<string, unknown>;
    slidingWindow = {
      window: positiveInt(w, 'window'),
      globalTokens: typeof w['global_tokens'] === 'number' ? w['global_tokens'] : 0,
    };
  }
  return {
    numLayers,
    numKvHeads,
    headDim,
    vocabSize: positiveInt(cfg, 'vocab_size'),
    maxPositions: positiveInt(cfg, 'max_position_embeddings', 32768),
    eosTokenIds: [
      ...new Set([
        ...tokenIds(cfg['eos_token_id']),
        ...tokenIds(generationConfig?.['eos_token_id']),
      ]),
    ],
    ...(slidingWindow ? { slidingWindow } : {}),
  };
}

/**
 * The spec from an onnxruntime-genai `genai_config.json` (its `model` and `model.decoder`
 * sections), for folders that have no Hugging Face `config.json`.
 */
export function parseGenaiSpec(genai: Record<string, unknown>): ModelSpec {
  const model = genai['model'];
  if (typeof model !== 'object' || model === null)
    throw new ModelConfigError('genai_config.json: no "model" section');
  const m = model as Record<string, unknown>;
  const decoder = m['decoder'];
  if (typeof decoder !== 'object' || decoder === null)
    throw new ModelConfigError('genai_config.json: no "model.decoder" section');
  const d = decoder as Record<string, unknown>;
  const numHeads = positiveInt(d, 'num_attention_heads');
  return {
    numLayers: positiveInt(d, 'num_hidden_layers'),
    numKvHeads: positiveInt(d, 'num_key_value_heads', numHeads),
    headDim: positiveInt(d, 'head_size', Math.floor(positiveInt(d, 'hidden_size') / numHeads)),
    vocabSize: positiveInt(m, 'vocab_size'),
    maxPositions: positiveInt(m, 'context_length', 32768),
    eosTokenIds: [...new Set(tokenIds(m['eos_token_id']))],
  };
}

/** Exact K/V bytes one token occupies: 2 (K and V) × layers × kv heads × head dim × dtype. */
export function kvBytesPerToken(
  spec: Pick<ModelSpec, 'numLayers' | 'numKvHeads' | 'headDim'>,
): number {
  return 2 * spec.numLayers * spec.numKvHeads * spec.headDim * KV_DTYPE_BYTES;
}
