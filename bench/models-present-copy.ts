/**
 * What the `present_new` outputs added at load buy an export without them (issue 16 (b)):
 * batched greedy decoding of 16 rows after ~170 cached tokens on the `bench` preset (8 layers,
 * 2 kv heads × 64) exported without `present_new`, through the engine as it runs now (the graph
 * gets `present_new` outputs at load; the batch grows its own buffer and fetches only the new
 * K/V) and as before (each step fetched the whole `present` and fed it back). Runnable alone: `node -r ts-node/register/transpile-only -r tsconfig-paths/register
 * bench/models-present-copy.ts`; ends with `RESULT present_copy_speedup=…`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DecoderBackend,
  loadTokenizer,
  openDecoderSession,
  readModelSpec,
  ReasoningEngine,
} from '@risk/lm-runtime';
import { DECODER_PRESETS, buildDecoderModel, writeModelFolder } from '@risk/reasoning-tools';

const ROWS = 16;
const CONTEXT_WORDS = 160;
const DECODE_TOKENS = 8;

async function decodeMs(dir: string, canGrow: boolean): Promise<{ ms: number; copied: number }> {
  const spec = await readModelSpec(dir);
  if (!spec) throw new Error('no spec');
  const opened = await openDecoderSession(dir, spec, { executionProviders: ['cpu'] });
  const backend: DecoderBackend = canGrow
    ? opened
    : {
        // As before: the whole `present` is fetched every step and fed back as the next past.
        executionProvider: opened.executionProvider,
        hasNewKv: false,
        run: (step) => opened.run(step),
        release: () => opened.release(),
      };
  const engine = new ReasoningEngine(spec, backend, await loadTokenizer(dir), {
    budgetBytes: 1 << 30,
    maxBatch: ROWS,
    maxWaitMs: 20,
    maxStepTokens: 512,
  });
  try {
    const ids = Array.from({ length: ROWS }, (_, i) => `p${i}`);
    await Promise.all(
      ids.map((id, i) =>
        engine.prefill(
          id,
          `portfolio ${i} ${'exposure rates hedge limit '.repeat(CONTEXT_WORDS / 4)}`,
        ),
      ),
    );
    const copied0 = engine.copies.bytes;
    const t0 = performance.now();
    await Promise.all(ids.map((id) => engine.generate(id, { maxTokens: DECODE_TOKENS })));
    return { ms: performance.now() - t0, copied: engine.copies.bytes - copied0 };
  } finally {
    await engine.close();
  }
}

export async function measurePresentCopy(): Promise<{ beforeMs: number; afterMs: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-present-copy-'));
  try {
    await writeModelFolder(dir, {
      cfg: DECODER_PRESETS.bench,
      weights: { seed: 42 },
      name: 'present-copy',
      version: '0',
    });
    // The same weights, exported as every exporter does: no `present_new`.
    await writeFile(
      path.join(dir, 'model.onnx'),
      buildDecoderModel(DECODER_PRESETS.bench, { seed: 42 }, { layout: { newKvOutputs: false } }),
    );
    const before: number[] = [];
    const after: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      before.push((await decodeMs(dir, false)).ms);
      after.push((await decodeMs(dir, true)).ms);
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1];
    return { beforeMs: median(before), afterMs: median(after) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  measurePresentCopy()
    .then(({ beforeMs, afterMs }) => {
      console.log(
        `${ROWS} rows × ${DECODE_TOKENS} greedy tokens after ~${CONTEXT_WORDS} words, bench preset ` +
          `without present_new: whole present fetched and fed back ${beforeMs.toFixed(0)} ms, ` +
          `present_new added at load, new K/V into the batch buffer ${afterMs.toFixed(0)} ms ` +
          `(medians of 3)`,
      );
      console.log(`RESULT present_copy_speedup=${(beforeMs / afterMs).toFixed(2)}`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
