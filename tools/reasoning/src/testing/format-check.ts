import { performance } from 'node:perf_hooks';
import { ReasoningEngine } from '@risk/lm-runtime';
import { maxAbsDiff, openTestEngine } from './model-fixture';

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
}

const SYSTEM = 'You are a risk analyst. Judge the portfolio risk after each event.';
const SNAPSHOT = 'Portfolio P1: AAPL 100 shares, MSFT 50 shares, cash 20000 USD.';
const EVENTS = ['News: AAPL drops 5% on weak guidance.', 'Tick: MSFT 410.5 up 1%.'];
export const FORMAT_CHECK_OPTIONS = [' LOW', ' MEDIUM', ' HIGH', ' CRITICAL risk'];

export async function checkModelFolder(dir: string): Promise<FormatCheck> {
  const alone = await openTestEngine(dir, { maxStepTokens: 8, maxBatch: 1 });
  const batched = await openTestEngine(dir, { maxStepTokens: 64, maxBatch: 8, maxWaitMs: 20 });
  try {
    let maxLogitDiff = 0;
    const compare = async (e: ReasoningEngine, id: string): Promise<void> => {
      const full = await alone.referenceLogits(e.contextOf(id));
      maxLogitDiff = Math.max(maxLogitDiff, maxAbsDiff(await e.lastLogits(id), full));
    };
    const t0 = performance.now();
    await alone.setContext('a', { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS });
    const prefillMs = performance.now() - t0;
    const prefillTokens = alone.contextOf('a').length;
    await compare(alone, 'a');
    await alone.append('a', ' News: the Fed holds rates.');
    await compare(alone, 'a');

    const ids = ['x1', 'x2', 'x3'];
    await Promise.all(
      ids.map((id, i) =>
        batched.setContext(id, {
          system: SYSTEM,
          snapshot: `${SNAPSHOT}${' extra'.repeat(2 * i)}`,
          events: EVENTS.slice(0, i % 2),
        }),
      ),
    );
    await Promise.all(
      ids.map((id, i) => batched.append(id, ` Event ${i}:${' shock'.repeat(i + 1)}`)),
    );
    for (const id of ids) await compare(batched, id);
    const scores = await Promise.all(
      ids.map((id) => batched.scoreOptions(id, FORMAT_CHECK_OPTIONS)),
    );
    const generated = await Promise.all(
      ids.map((id, i) => batched.generate(id, { maxTokens: 4 + 2 * i })),
    );
    let maxOptionDiff = 0;
    let generationMismatches = 0;
    for (const [i, id] of ids.entries()) {
      await alone.prefill('alone', batched.contextOf(id));
      const ref = await alone.scoreOptions('alone', FORMAT_CHECK_OPTIONS);
      ref.logProbs.forEach((lp, k) => {
        maxOptionDiff = Math.max(maxOptionDiff, Math.abs(lp - scores[i].logProbs[k]));
      });
      const g = await alone.generate('alone', { maxTokens: 4 + 2 * i });
      if (g.tokens.join() !== generated[i].tokens.join()) generationMismatches++;
    }
    const decode = await alone.generate('a', { maxTokens: 16 });
    return {
      executionProvider: alone.executionProvider,
      layout: alone.layout,
      maxLogitDiff,
      maxOptionDiff,
      generationMismatches,
      largestBatch: Math.max(...batched.batchHistory),
      prefillTokensPerSecond: prefillMs > 0 ? (prefillTokens * 1000) / prefillMs : 0,
      decodeTokensPerSecond: decode.timings.tokensPerSecond,
    };
  } finally {
    await alone.close();
    await batched.close();
  }
}
