import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ReasoningEngine,
  type ReasoningEngineOptions,
  type ReasoningRuntimeConfig,
} from '@risk/lm-runtime';
import { DECODER_PRESETS, DecoderConfig, writeModelFolder } from '../graph';

/** The workspace conversation the engine specs run: a system prompt, a snapshot, two events. */
export const WORKSPACE = {
  system: 'You are a risk analyst. Judge the workspace risk after each event.',
  snapshot: 'Workspace P1: AAPL 100 shares, MSFT 50 shares, cash 20000 USD.',
  events: ['News: AAPL drops 5% on weak guidance.', 'Tick: MSFT 410.5 up 1%.'],
  /** Judgement options scored as continuations. */
  levels: [' LOW', ' MEDIUM', ' HIGH', ' CRITICAL'],
} as const;

/** Writes a seeded random model folder into a temp dir (tests build their models on the fly). */
export async function buildTempModel(
  overrides: Partial<DecoderConfig> = {},
  seed = 7,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reasoning-model-'));
  await writeModelFolder(dir, {
    cfg: { ...DECODER_PRESETS.tiny, ...overrides },
    weights: { seed },
    name: 'tiny-test',
    version: '0.0.0',
  });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function testConfig(
  overrides: Partial<ReasoningEngineOptions> = {},
): ReasoningRuntimeConfig {
  return {
    session: {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      // TEST_KV_ON_DEVICE=1: every engine spec runs the device-resident K/V path on CPU.
      ...(process.env.TEST_KV_ON_DEVICE === '1' ? { kvOnDevice: true } : {}),
    },
    budgetBytes: overrides.budgetBytes ?? 64 * 1024 * 1024,
    maxBatch: overrides.maxBatch ?? 8,
    maxWaitMs: overrides.maxWaitMs ?? 0,
    maxStepTokens: overrides.maxStepTokens ?? 512,
  };
}

export async function openTestEngine(
  dir: string,
  overrides: Partial<ReasoningEngineOptions> = {},
): Promise<ReasoningEngine> {
  const engine = await ReasoningEngine.open(dir, testConfig(overrides));
  emulateDeviceOnCpu(engine);
  return engine;
}

/**
 * With the device-resident K/V path on the CPU provider, makes any read of K/V the engine did
 * not download first throw, as on a device (KvTransferMeter.emulateDevice).
 */
export function emulateDeviceOnCpu(engine: ReasoningEngine): void {
  if (engine.kvOnDevice && engine.executionProvider === 'cpu')
    engine.transfers.emulateDevice = true;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
