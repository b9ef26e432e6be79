import type { DecoderSessionOptions, GraphOptimizationLevel } from './runtime/onnx-decoder.session';

export interface ReasoningRuntimeConfig {
  readonly session: DecoderSessionOptions;
  readonly budgetBytes: number;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly maxStepTokens: number;
}

export class ReasoningConfigError extends Error {
  override readonly name = 'ReasoningConfigError';
}

const LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

function intFrom(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new ReasoningConfigError(`${key} must be an integer >= ${min}`);
  return n;
}

/**
 * Reads the runtime settings from the environment, failing fast on a bad value:
 * REASONING_EP (e.g. `cuda,cpu`), REASONING_THREADS, REASONING_GRAPH_OPT, REASONING_KV_BUDGET_MB,
 * REASONING_MAX_BATCH, REASONING_MAX_WAIT_MS, REASONING_MAX_STEP_TOKENS.
 */
export function readReasoningConfig(env: NodeJS.ProcessEnv = process.env): ReasoningRuntimeConfig {
  const executionProviders = (env.REASONING_EP ?? 'cpu')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const level = (env.REASONING_GRAPH_OPT ?? 'all') as GraphOptimizationLevel;
  if (!LEVELS.includes(level)) {
    throw new ReasoningConfigError(`REASONING_GRAPH_OPT must be one of ${LEVELS.join(', ')}`);
  }
  const threads = intFrom(env, 'REASONING_THREADS', 0, 0);
  return {
    session: {
      executionProviders,
      graphOptimizationLevel: level,
      ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    },
    budgetBytes: intFrom(env, 'REASONING_KV_BUDGET_MB', 512, 0) * 1024 * 1024,
    maxBatch: intFrom(env, 'REASONING_MAX_BATCH', 32, 1),
    // 0: requests of the same event-loop turn still share a run (setImmediate); a positive wait
    // would be paid on every generated token of a lone request.
    maxWaitMs: intFrom(env, 'REASONING_MAX_WAIT_MS', 0, 0),
    maxStepTokens: intFrom(env, 'REASONING_MAX_STEP_TOKENS', 512, 1),
  };
}
