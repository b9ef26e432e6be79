import { performance } from 'node:perf_hooks';
import { ReasoningEngine } from '@risk/lm-runtime';
import { emulateDeviceOnCpu, maxAbsDiff, testConfig } from './model-fixture';

/**
 * The checks every downloaded-folder format must pass through the engine: cached against full
 * logits (chunked prefill, an append), batched against alone (rows of different lengths, option
 * scoring and greedy generation that grow the batch in place), and a tokens-per-second figure.
 */
export interface FormatCheck {
  readonly executionProvider: string;
  readonly layout: ReasoningEngine['layout'];
  /** Largest |cached − full| over the vocabulary, across contexts (one engine, then batched). */
  readonly maxLogitDiff: number;
  /** Largest |batched − alone| option log-prob. */
  readonly maxOptionDiff: number;
  /** Rows whose batched greedy tokens differ from alone. */
  readonly generationMismatches: number;
  readonly largestBatch: number;
  /** Prefill of the longest context, new tokens per second (a noisy, shared CPU). */
  readonly prefillTokensPerSecond: number;
  /** Greedy decoding, one row. */
  readonly decodeTokensPerSecond: number;
  /** Whether K/V stayed as the session's tensors (REASONING_KV_ON_DEVICE). */
  readonly kvOnDevice: boolean;
}

const SYSTEM = 'You are a risk analyst. Judge the portfolio risk after each event.';
const SNAPSHOT = 'Portfolio P1: AAPL 100 shares, MSFT 50 shares, cash 20000 USD.';
const EVENTS = ['News: AAPL drops 5% on weak guidance.', 'Tick: MSFT 410.5 up 1%.'];
export const FORMAT_CHECK_OPTIONS = [' LOW', ' MEDIUM', ' HIGH', ' CRITICAL risk'];

export async function checkModelFolder(
  dir: string,
  opts: {
    executionProviders?: readonly string[];
    decodeTokens?: number;
    /**
     * The device-resident K/V path (default: auto, on for a device provider); forced `true` on
     * the CPU provider it also makes any read of K/V not downloaded first throw.
     */
    kvOnDevice?: boolean;
  } = {},
): Promise<FormatCheck> {
  const eps = opts.executionProviders ?? ['cpu'];
  const base = testConfig({ maxStepTokens: 16, maxBatch: 8, maxWaitMs: 20 });
  // One engine: calls made one at a time run alone, concurrent ones share batches.
  const engine = await ReasoningEngine.open(dir, {
    ...base,
    session: {
      ...base.session,
      executionProviders: eps,
      requireAccelerator: eps.some((ep) => ep !== 'cpu'),
      ...(opts.kvOnDevice !== undefined ? { kvOnDevice: opts.kvOnDevice } : {}),
    },
  });
  emulateDeviceOnCpu(engine);
  try {
    let maxLogitDiff = 0;
    const compare = async (id: string): Promise<void> => {
      const full = await engine.referenceLogits(engine.contextOf(id));
      maxLogitDiff = Math.max(maxLogitDiff, maxAbsDiff(await engine.lastLogits(id), full));
    };
    const t0 = performance.now();
    await engine.setContext('a', { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS });
    const prefillMs = performance.now() - t0;
    const prefillTokens = engine.contextOf('a').length;
    await compare('a');
    await engine.append('a', ' News: the Fed holds rates.');
    await compare('a');

    const ids = ['x1', 'x2', 'x3'];
    await Promise.all(
      ids.map((id, i) =>
        engine.setContext(id, {
          system: SYSTEM,
          snapshot: `${SNAPSHOT}${' extra'.repeat(2 * i)}`,
          events: EVENTS.slice(0, i % 2),
        }),
      ),
    );
    await Promise.all(
      ids.map((id, i) => engine.append(id, ` Event ${i}:${' shock'.repeat(i + 1)}`)),
    );
    for (const id of ids) await compare(id);
    const scores = await Promise.all(
      ids.map((id) => engine.scoreOptions(id, FORMAT_CHECK_OPTIONS)),
    );
    const generated = await Promise.all(
      ids.map((id, i) => engine.generate(id, { maxTokens: 2 + 2 * i })),
    );
    let maxOptionDiff = 0;
    let generationMismatches = 0;
    for (const [i, id] of ids.entries()) {
      await engine.prefill('alone', engine.contextOf(id));
      const ref = await engine.scoreOptions('alone', FORMAT_CHECK_OPTIONS);
      ref.logProbs.forEach((lp, k) => {
        maxOptionDiff = Math.max(maxOptionDiff, Math.abs(lp - scores[i].logProbs[k]));
      });
      const g = await engine.generate('alone', { maxTokens: 2 + 2 * i });
      if (g.tokens.join() !== generated[i].tokens.join()) generationMismatches++;
    }
    const decode = await engine.generate('a', { maxTokens: opts.decodeTokens ?? 12 });
    return {
      executionProvider: engine.executionProvider,
      layout: engine.layout,
      maxLogitDiff,
      maxOptionDiff,
      generationMismatches,
      largestBatch: Math.max(...engine.batchHistory),
      prefillTokensPerSecond: prefillMs > 0 ? (prefillTokens * 1000) / prefillMs : 0,
      decodeTokensPerSecond: decode.timings.tokensPerSecond,
      kvOnDevice: engine.kvOnDevice,
    };
  } finally {
    await engine.close();
  }
}
