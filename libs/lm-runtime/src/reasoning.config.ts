import { z } from 'zod';
import type { DecoderSessionOptions, GraphOptimizationLevel } from './runtime/onnx-decoder.session';

export interface ReasoningRuntimeConfig {
  readonly session: DecoderSessionOptions;
  readonly budgetBytes: number;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly maxStepTokens: number;
  /**
   * False (REASONING_PRIORITY_FILL=true): lower-priority rows fill the room a higher-priority
   * step leaves (vLLM's way); true (default): a step holds the highest priority waiting only
   * (docs/reasoning.md).
   */
  readonly strictPriority?: boolean;
  /** Steps a lower-priority step waits before it counts one priority higher (default 64). */
  readonly priorityAgingSteps?: number;
}

export class ReasoningConfigError extends Error {
  override readonly name = 'ReasoningConfigError';
}

const LEVELS = ['disabled', 'basic', 'extended', 'all'] as const satisfies GraphOptimizationLevel[];

const intFrom = (def: number, min: number) => z.coerce.number().int().min(min).default(def);

/**
 * The runtime's settings, as environment variables. The service's config schema
 * (`@risk/platform` app-config) spreads this shape into its own, so it is the one definition;
 * tools that run the model without the service read it with `readReasoningConfig`.
 */
export const REASONING_RUNTIME_ENV = {
  /** Execution providers in order, e.g. `cuda,cpu`. */
  REASONING_EP: z
    .string()
    .default('cpu')
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim().toLowerCase())
        .filter((p) => p.length > 0),
    ),
  /** Intra-op threads; 0: onnxruntime decides. */
  REASONING_THREADS: intFrom(0, 0),
  REASONING_GRAPH_OPT: z.enum(LEVELS).default('all'),
  REASONING_KV_BUDGET_MB: intFrom(512, 0),
  REASONING_MAX_BATCH: intFrom(32, 1),
  // 0: requests of the same event-loop turn still share a run (setImmediate); a positive wait
  // would be paid on every generated token of a lone request.
  REASONING_MAX_WAIT_MS: intFrom(0, 0),
  REASONING_MAX_STEP_TOKENS: intFrom(512, 1),
  // Continuous batching: lower priorities fill the higher ones' steps (true) or wait (false),
  // and after how many waited steps a lower-priority step counts one higher.
  REASONING_PRIORITY_FILL: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  REASONING_PRIORITY_AGING_STEPS: intFrom(64, 1),
  // K/V kept as the session's own (device) tensors between steps: auto = when the execution
  // provider is not cpu; true forces it on any provider (how CPU tests exercise it).
  REASONING_KV_ON_DEVICE: z
    .enum(['auto', 'true', 'false'])
    .default('auto')
    .transform((v): 'auto' | boolean => (v === 'auto' ? 'auto' : v === 'true')),
};

/** The validated runtime settings, as the service's config carries them. */
export interface ReasoningRuntimeSettings {
  readonly reasoningEp: readonly string[];
  readonly reasoningThreads: number;
  readonly reasoningGraphOpt: GraphOptimizationLevel;
  readonly reasoningKvBudgetMb: number;
  readonly reasoningMaxBatch: number;
  readonly reasoningMaxWaitMs: number;
  readonly reasoningMaxStepTokens: number;
  readonly reasoningPriorityFill: boolean;
  readonly reasoningPriorityAgingSteps: number;
  /** Optional so configs built before the setting existed still type (absent: `auto`). */
  readonly reasoningKvOnDevice?: 'auto' | boolean;
}

/** Validated settings → what `ReasoningEngine.open` takes. */
export function reasoningRuntimeConfig(s: ReasoningRuntimeSettings): ReasoningRuntimeConfig {
  return {
    session: {
      executionProviders: [...s.reasoningEp],
      graphOptimizationLevel: s.reasoningGraphOpt,
      ...(s.reasoningThreads > 0 ? { intraOpNumThreads: s.reasoningThreads } : {}),
      // Absent means `auto` (the session decides from the provider it opens).
      ...(typeof s.reasoningKvOnDevice === 'boolean' ? { kvOnDevice: s.reasoningKvOnDevice } : {}),
    },
    budgetBytes: s.reasoningKvBudgetMb * 1024 * 1024,
    maxBatch: s.reasoningMaxBatch,
    maxWaitMs: s.reasoningMaxWaitMs,
    maxStepTokens: s.reasoningMaxStepTokens,
    strictPriority: !s.reasoningPriorityFill,
    priorityAgingSteps: s.reasoningPriorityAgingSteps,
  };
}

/**
 * Reads the runtime settings from `env` with the same schema, failing fast on a bad value: for
 * tools (training, evaluation, benchmarks) that run the model without the service's config.
 */
export function readReasoningConfig(env: NodeJS.ProcessEnv = process.env): ReasoningRuntimeConfig {
  const parsed = z.object(REASONING_RUNTIME_ENV).safeParse(env);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ReasoningConfigError(`invalid reasoning settings: ${why}`);
  }
  const e = parsed.data;
  return reasoningRuntimeConfig({
    reasoningEp: e.REASONING_EP,
    reasoningThreads: e.REASONING_THREADS,
    reasoningGraphOpt: e.REASONING_GRAPH_OPT,
    reasoningKvBudgetMb: e.REASONING_KV_BUDGET_MB,
    reasoningMaxBatch: e.REASONING_MAX_BATCH,
    reasoningMaxWaitMs: e.REASONING_MAX_WAIT_MS,
    reasoningMaxStepTokens: e.REASONING_MAX_STEP_TOKENS,
    reasoningPriorityFill: e.REASONING_PRIORITY_FILL,
    reasoningPriorityAgingSteps: e.REASONING_PRIORITY_AGING_STEPS,
    reasoningKvOnDevice: e.REASONING_KV_ON_DEVICE,
  });
}
