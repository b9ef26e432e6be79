/**
 * Reasoning runtime benchmark (npm run bench:reasoning). Builds or reuses the `bench` preset
 * model (fp32 and INT8) under .cache/models/ and measures, in one run:
 *  - re-evaluation latency (32-token event + option scoring) with the portfolio cached vs a full
 *    recompute, at 1k and 4k context tokens;
 *  - throughput at 1, 8 and 32 concurrent portfolios, batched vs sequential;
 *  - fp32 vs INT8 latency and resident memory (each in its own child process);
 *  - K/V bytes copied in JS per generated token;
 *  - news reasoning latency (p50, p99) on the shipped reasoner while 32, 64 and 96 portfolios'
 *    move judgements are in flight (bench/reasoning-inflight.ts; alone with `-- --inflight`);
 *  - decode tokens/s with the K/V cache kept on the device (REASONING_KV_ON_DEVICE) on vs off,
 *    and K/V bytes between host and device per decode step (alone with `-- --kv-device`;
 *    `--model DIR` picks another model folder for that section).
 * Figures are medians of a few repetitions. Ends with one RESULT line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  executionProviderProblem,
  ReasoningEngine,
  ReasoningRuntimeConfig,
} from '@risk/lm-runtime';
import { DECODER_GRAPH_REVISION, DECODER_PRESETS, writeModelFolder } from '@risk/reasoning-tools';
import { newsUnderLoad, SHIPPED_REASONER, type InflightFigures } from './reasoning-inflight';

const ROOT = path.resolve(__dirname, '..');
const MODELS = path.join(ROOT, '.cache', 'models');
const LEVELS = [' LOW', ' MEDIUM', ' HIGH', ' CRITICAL'];
const EVENT_TOKENS = 32;
const REPS = Number(process.env.BENCH_REPS ?? 3);
const IN_FLIGHT = [32, 64, 96];
const NEWS_PER_RUN = Number(process.env.BENCH_NEWS ?? 12);
// `-- --ep cuda` (or REASONING_EP=cuda,cpu): probes in child processes inherit it via the env.
const epArg = process.argv.indexOf('--ep');
if (epArg >= 0) process.env.REASONING_EP = process.argv[epArg + 1];
const EPS = (process.env.REASONING_EP ?? 'cpu').split(',').map((p) => p.trim().toLowerCase());

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x: number, d = 1): string => x.toFixed(d);

async function ensureModel(quantization: 'none' | 'int8'): Promise<string> {
  // Keyed on the graph revision: a model built by an older graph builder is not reused.
  const dir = path.join(
    MODELS,
    `reasoning-bench-${quantization === 'int8' ? 'int8' : 'fp32'}-g${DECODER_GRAPH_REVISION}`,
  );
  if (existsSync(path.join(dir, 'model.onnx')) && existsSync(path.join(dir, 'config.json'))) {
    return dir;
  }
  const t0 = performance.now();
  await writeModelFolder(dir, {
    cfg: DECODER_PRESETS.bench,
    weights: { seed: 42 },
    quantization,
    name: `random-bench${quantization === 'int8' ? '-int8' : ''}`,
    version: '0.1.0',
  });
  console.log(`built ${dir} in ${fmt(performance.now() - t0, 0)} ms`);
  return dir;
}

function config(overrides: Partial<ReasoningRuntimeConfig> = {}): ReasoningRuntimeConfig {
  return {
    // A GPU run that silently fell back to CPU would report CPU figures as GPU ones.
    session: { executionProviders: EPS, requireAccelerator: EPS.some((p) => p !== 'cpu') },
    budgetBytes: 2 * 1024 * 1024 * 1024,
    maxBatch: 32,
    maxWaitMs: 0,
    maxStepTokens: 512,
    ...overrides,
  };
}

/** Deterministic filler text tokenized to exactly n tokens. */
function tokensOf(engine: ReasoningEngine, seed: string, n: number): number[] {
  const words = [
    'portfolio',
    'exposure',
    'AAPL',
    'MSFT',
    'volatility',
    'rates',
    'guidance',
    'drawdown',
    'liquidity',
    'hedge',
    'limit',
    'sector',
    'earnings',
    'downgrade',
    'spread',
    'margin',
  ];
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const out: number[] = [];
  while (out.length < n) {
    const sentence = Array.from({ length: 12 }, () => {
      h = (Math.imul(h, 1103515245) + 12345) >>> 0;
      return words[h % words.length];
    }).join(' ');
    out.push(...engine.encode(`${sentence}. `));
  }
  return out.slice(0, n);
}

async function reEvaluate(engine: ReasoningEngine, id: string, tokens: number[]): Promise<number> {
  const t0 = performance.now();
  await engine.prefill(id, tokens);
  await engine.scoreOptions(id, LEVELS);
  return performance.now() - t0;
}

/** Cached vs full-recompute latency of a 32-token event on a context of `n` tokens. */
async function kvSpeedup(
  cached: ReasoningEngine,
  uncached: ReasoningEngine,
  n: number,
): Promise<{ cachedMs: number; fullMs: number }> {
  const context = tokensOf(cached, `ctx${n}`, n - EVENT_TOKENS);
  await cached.prefill(`kv${n}`, context);
  const cachedRuns: number[] = [];
  const fullRuns: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const target = [...context, ...tokensOf(cached, `event${n}-${r}`, EVENT_TOKENS)];
    cachedRuns.push(await reEvaluate(cached, `kv${n}`, target));
    fullRuns.push(await reEvaluate(uncached, `full${n}`, target));
  }
  return { cachedMs: median(cachedRuns), fullMs: median(fullRuns) };
}

interface ThroughputFigures {
  evalsPerSec: number;
  genTokens: number;
  copiedBytes: number;
}

/** N portfolios each take a 32-token event, score the levels and generate a short rationale. */
async function throughput(
  engine: ReasoningEngine,
  n: number,
  batched: boolean,
  contexts: number[][],
  round: number,
): Promise<ThroughputFigures> {
  const ids = contexts.slice(0, n).map((_, i) => `t${i}`);
  let genTokens = 0;
  const evaluate = async (i: number): Promise<void> => {
    const event = tokensOf(engine, `tp-event-${round}-${i}`, EVENT_TOKENS);
    await engine.prefill(ids[i], [...contexts[i], ...event]);
    await engine.scoreOptions(ids[i], LEVELS);
    const g = await engine.generate(ids[i], { maxTokens: 16 });
    genTokens += g.tokens.length;
  };
  const copied0 = engine.copies.bytes;
  const t0 = performance.now();
  if (batched) await Promise.all(ids.map((_, i) => evaluate(i)));
  else for (let i = 0; i < n; i++) await evaluate(i);
  const seconds = (performance.now() - t0) / 1000;
  return { evalsPerSec: n / seconds, genTokens, copiedBytes: engine.copies.bytes - copied0 };
}

interface KvDeviceFigures {
  rows: number;
  onDevice: boolean;
  tokensPerSec: number;
  steps: number;
  /** K/V bytes device→host and host→device in the first decode step (contexts packed). */
  firstD2h: number;
  firstH2d: number;
  /** The same per step over the later steps, and JS copies per later step. */
  d2hPerStep: number;
  h2dPerStep: number;
  copiedPerStep: number;
}

/**
 * `rows` portfolios, each prefilled alone with `contextTokens`, decode `decodeTokens` tokens
 * together with the K/V cache kept on the device or not. Bytes are the engine's transfer meter:
 * on a device provider what crosses PCIe; on CPU nothing crosses with the path off, and with it
 * forced on the figures are what a device would move.
 */
async function kvDeviceRun(
  dir: string,
  rows: number,
  onDevice: boolean,
  contextTokens: number,
  decodeTokens: number,
): Promise<KvDeviceFigures> {
  const base = config();
  const engine = await ReasoningEngine.open(dir, {
    ...base,
    session: { ...base.session, kvOnDevice: onDevice },
  });
  try {
    const ids = Array.from({ length: rows }, (_, i) => `kvd${i}`);
    for (const [i, id] of ids.entries())
      await engine.prefill(id, tokensOf(engine, `kv-device-${i}`, contextTokens));
    // Warm-up: one short generation, so session start-up costs are not in the figures.
    await engine.generate(ids[0], { maxTokens: 2, minTokens: 2 });
    const meters = () => ({
      d2h: engine.transfers.deviceToHostBytes,
      h2d: engine.transfers.hostToDeviceBytes,
      copied: engine.copies.bytes,
    });
    const m0 = meters();
    let m1 = m0;
    const runs0 = engine.batchHistory.length;
    let tokens = 0;
    const t0 = performance.now();
    await Promise.all(
      ids.map(async (id, i) => {
        const g = await engine.generate(id, {
          maxTokens: decodeTokens,
          minTokens: decodeTokens,
          // The second token of the first row: the first decode step (packing) is done.
          onToken: () => {
            if (i === 0 && m1 === m0 && engine.batchHistory.length > runs0) m1 = meters();
          },
        });
        tokens += g.tokens.length;
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const m2 = meters();
    const steps = engine.batchHistory.length - runs0;
    const later = Math.max(1, steps - 1);
    return {
      rows,
      onDevice,
      tokensPerSec: tokens / seconds,
      steps,
      firstD2h: m1.d2h - m0.d2h,
      firstH2d: m1.h2d - m0.h2d,
      d2hPerStep: (m2.d2h - m1.d2h) / later,
      h2dPerStep: (m2.h2d - m1.h2d) / later,
      copiedPerStep: (m2.copied - m1.copied) / later,
    };
  } finally {
    await engine.close();
  }
}

/** Decode with the K/V cache on the device vs on the host, alone and as a 32-row batch. */
async function kvDeviceSection(dir: string): Promise<KvDeviceFigures[]> {
  const rowsList = (process.env.BENCH_KV_ROWS ?? '1,32').split(',').map(Number);
  const contextTokens = Number(process.env.BENCH_KV_CONTEXT ?? 256);
  const decodeTokens = Number(process.env.BENCH_KV_DECODE ?? 32);
  console.log(
    `K/V on the device (${dir}): ${contextTokens}-token contexts, ${decodeTokens} decode ` +
      `tokens each; bytes are K/V between host and device${EPS.every((p) => p === 'cpu') ? ' (cpu: nothing crosses; with the path forced on, what a device would move)' : ''}`,
  );
  const figures: KvDeviceFigures[] = [];
  for (const rows of rowsList) {
    for (const onDevice of [false, true]) {
      const f = await kvDeviceRun(dir, rows, onDevice, contextTokens, decodeTokens);
      figures.push(f);
      console.log(
        `  ${rows} row${rows > 1 ? 's' : ''}, K/V on device ${onDevice ? 'on ' : 'off'}: ` +
          `${fmt(f.tokensPerSec, 1)} tokens/s over ${f.steps} steps; first step ` +
          `device→host ${fmt(f.firstD2h, 0)} B, host→device ${fmt(f.firstH2d, 0)} B; then per ` +
          `step device→host ${fmt(f.d2hPerStep, 0)} B, host→device ${fmt(f.h2dPerStep, 0)} B, ` +
          `JS copies ${fmt(f.copiedPerStep, 0)} B`,
      );
    }
  }
  return figures;
}

function kvDeviceResult(figures: readonly KvDeviceFigures[]): string {
  return figures
    .map((f) => {
      const k = `kv_${f.onDevice ? 'on' : 'off'}_${f.rows}`;
      return (
        `${k}_tps=${fmt(f.tokensPerSec, 1)} ${k}_d2h_per_step=${fmt(f.d2hPerStep, 0)} ` +
        `${k}_h2d_per_step=${fmt(f.h2dPerStep, 0)}`
      );
    })
    .join(' ');
}

function modelArg(): string | undefined {
  const i = process.argv.indexOf('--model');
  return i >= 0 ? path.resolve(process.argv[i + 1]) : undefined;
}

/** Only the K/V-on-device section (scripts/gpu-check.sh runs it first). */
async function kvDeviceOnly(): Promise<void> {
  console.log(`reasoning bench (K/V on device): ${os.cpus().length} CPUs, node ${process.version}`);
  refuseMissingProviders();
  const dir = modelArg() ?? (await ensureModel('none'));
  console.log(`RESULT ${kvDeviceResult(await kvDeviceSection(dir))}`);
}

/** Exits (code 2) with the reason when a requested execution provider cannot open here. */
function refuseMissingProviders(): void {
  for (const ep of EPS) {
    const problem = executionProviderProblem(ep);
    if (problem) {
      console.error(`--ep ${ep}: ${problem}`);
      process.exit(2);
    }
  }
}

/** Child process: one model's latency and resident memory, isolated from the parent's heap. */
async function probe(dir: string): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const engine = await ReasoningEngine.open(dir, config());
  const rssLoaded = process.memoryUsage().rss;
  const context = tokensOf(engine, 'probe', 1024 - EVENT_TOKENS);
  const prefill: number[] = [];
  const events: number[] = [];
  for (let r = 0; r < REPS; r++) {
    engine.forget('p');
    let t0 = performance.now();
    await engine.prefill('p', context);
    prefill.push(performance.now() - t0);
    t0 = performance.now();
    await reEvaluate(engine, 'p', [
      ...context,
      ...tokensOf(engine, `probe-event-${r}`, EVENT_TOKENS),
    ]);
    events.push(performance.now() - t0);
  }
  const rssPeak = process.memoryUsage().rss;
  await engine.close();
  console.log(
    JSON.stringify({
      prefill1kMs: median(prefill),
      eventMs: median(events),
      modelRssBytes: rssLoaded - rss0,
      peakRssBytes: rssPeak - rss0,
    }),
  );
}

function runProbe(dir: string): {
  prefill1kMs: number;
  eventMs: number;
  modelRssBytes: number;
  peakRssBytes: number;
} {
  const out = execFileSync(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      __filename,
      '--probe',
      dir,
    ],
    { cwd: ROOT, encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as ReturnType<typeof runProbe>;
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`reasoning bench: ${os.cpus().length} CPUs, node ${process.version}, reps ${REPS}`);
  refuseMissingProviders();
  const fp32Dir = await ensureModel('none');
  const int8Dir = await ensureModel('int8');

  // 1. K/V cache: cached vs full recompute.
  const cached = await ReasoningEngine.open(fp32Dir, config());
  const uncached = await ReasoningEngine.open(fp32Dir, config({ budgetBytes: 0 }));
  console.log(`execution provider: ${cached.executionProvider}`);
  const kv: Record<number, { cachedMs: number; fullMs: number }> = {};
  for (const n of [1024, 4096]) {
    kv[n] = await kvSpeedup(cached, uncached, n);
    console.log(
      `context ${n}: event re-evaluation cached ${fmt(kv[n].cachedMs)} ms, full recompute ` +
        `${fmt(kv[n].fullMs)} ms, speedup ${fmt(kv[n].fullMs / kv[n].cachedMs)}x`,
    );
  }
  await uncached.close();
  const stats = cached.stats();
  console.log(
    `cache: ${stats.entries} entries, ${fmt(stats.bytesInUse / 1048576)} MiB, hit ` +
      `${stats.hitTokens}/${stats.queriedTokens} tokens`,
  );
  await cached.close();

  // 2. Batching: N concurrent portfolios, batched vs sequential.
  const batchedEngine = await ReasoningEngine.open(fp32Dir, config());
  const sequentialEngine = await ReasoningEngine.open(fp32Dir, config({ maxBatch: 1 }));
  const system = tokensOf(batchedEngine, 'system', 64);
  const contexts = Array.from({ length: 32 }, (_, i) => [
    ...system,
    ...tokensOf(batchedEngine, `pf${i}`, 192),
  ]);
  for (const [i, ctx] of contexts.entries()) {
    await batchedEngine.prefill(`t${i}`, ctx);
    await sequentialEngine.prefill(`t${i}`, ctx);
  }
  const gains: Record<number, number> = {};
  let copiedPerTokenBatched = 0;
  let copiedPerTokenSingle = 0;
  for (const n of [1, 8, 32]) {
    const b: ThroughputFigures[] = [];
    const s: ThroughputFigures[] = [];
    for (let r = 0; r < Math.min(REPS, 2); r++) {
      b.push(await throughput(batchedEngine, n, true, contexts, r));
      s.push(await throughput(sequentialEngine, n, false, contexts, r));
    }
    const bt = median(b.map((x) => x.evalsPerSec));
    const st = median(s.map((x) => x.evalsPerSec));
    gains[n] = bt / st;
    const last = b[b.length - 1];
    if (n === 32) copiedPerTokenBatched = last.copiedBytes / Math.max(1, last.genTokens);
    if (n === 1)
      copiedPerTokenSingle = s[s.length - 1].copiedBytes / Math.max(1, s[s.length - 1].genTokens);
    console.log(
      `${n} portfolios: batched ${fmt(bt, 2)} evals/s, sequential ${fmt(st, 2)} evals/s, ` +
        `gain ${fmt(gains[n], 2)}x (eval = 32-token event + scoring + 16 generated tokens)`,
    );
  }
  // Decode only: every context is materialized, then each portfolio generates 32 tokens.
  const decodeCopies = async (
    engine: ReasoningEngine,
    n: number,
    batched: boolean,
  ): Promise<number> => {
    const ids = Array.from({ length: n }, (_, i) => `t${i}`);
    await Promise.all(ids.map((id) => engine.lastLogits(id)));
    const copied0 = engine.copies.bytes;
    let tokens = 0;
    const gen = async (id: string): Promise<void> => {
      // minTokens: random weights often pick eos at once, which would hide the decode steps.
      const g = await engine.generate(id, { maxTokens: 32, minTokens: 32 });
      tokens += g.tokens.length;
    };
    if (batched) await Promise.all(ids.map(gen));
    else for (const id of ids) await gen(id);
    return (engine.copies.bytes - copied0) / Math.max(1, tokens);
  };
  const decodeSingle = await decodeCopies(sequentialEngine, 1, false);
  const decodeBatched = await decodeCopies(batchedEngine, 32, true);
  console.log(
    `K/V bytes copied in JS per generated token (decode only, 32 tokens per portfolio): single ` +
      `stream ${fmt(decodeSingle, 0)}, 32-way batch ${fmt(decodeBatched, 0)} (the first step's ` +
      `padding copy, amortized); whole evaluations: single ${fmt(copiedPerTokenSingle, 0)}, ` +
      `32-way ${fmt(copiedPerTokenBatched, 0)} per generated token (event rewinds, padding, compaction)`,
  );
  await batchedEngine.close();
  await sequentialEngine.close();

  // 3. fp32 vs INT8, each in its own process for a clean resident-memory figure.
  const fp32 = runProbe(fp32Dir);
  const int8 = runProbe(int8Dir);
  const mib = (b: number): string => fmt(b / 1048576);
  console.log(
    `fp32: 1k prefill ${fmt(fp32.prefill1kMs)} ms, event ${fmt(fp32.eventMs)} ms, model RSS ` +
      `${mib(fp32.modelRssBytes)} MiB, peak ${mib(fp32.peakRssBytes)} MiB`,
  );
  console.log(
    `int8: 1k prefill ${fmt(int8.prefill1kMs)} ms, event ${fmt(int8.eventMs)} ms, model RSS ` +
      `${mib(int8.modelRssBytes)} MiB, peak ${mib(int8.peakRssBytes)} MiB`,
  );
  const int8Speedup = fp32.prefill1kMs / int8.prefill1kMs;
  const int8MemRatio = int8.modelRssBytes / fp32.modelRssBytes;

  // 4. News latency while move judgements are in flight (shipped reasoner).
  const inflight = await newsUnderLoad(SHIPPED_REASONER, config(), IN_FLIGHT, NEWS_PER_RUN);

  // 5. K/V kept on the device vs on the host (decode tokens/s, bytes per step).
  const kvDevice = await kvDeviceSection(modelArg() ?? fp32Dir);
  console.log(`total bench time ${fmt((performance.now() - started) / 1000)} s`);
  console.log(
    `RESULT kv_speedup_1k=${fmt(kv[1024].fullMs / kv[1024].cachedMs, 2)} ` +
      `kv_speedup_4k=${fmt(kv[4096].fullMs / kv[4096].cachedMs, 2)} batch_gain_32=${fmt(gains[32], 2)} ` +
      `int8_speedup=${fmt(int8Speedup, 2)} int8_mem_ratio=${fmt(int8MemRatio, 3)} ` +
      `copied_bytes_per_token=${fmt(decodeBatched, 0)} ${inflightResult(inflight)} ` +
      kvDeviceResult(kvDevice),
  );
}

function inflightResult(figures: readonly InflightFigures[]): string {
  return figures
    .map(
      (f) =>
        `news_p50_ms_${f.inFlight}=${fmt(f.newsP50Ms, 0)} news_p99_ms_${f.inFlight}=${fmt(f.newsP99Ms, 0)}`,
    )
    .join(' ');
}

/** Only the news-under-load section (before/after comparisons of the scheduler). */
async function inflightOnly(): Promise<void> {
  console.log(`reasoning bench (in flight): ${os.cpus().length} CPUs, node ${process.version}`);
  // BENCH_PRIORITY_FILL=1: lower priorities fill the news steps (vLLM's way), for comparison.
  const fill = process.env.BENCH_PRIORITY_FILL === '1';
  const figures = await newsUnderLoad(
    SHIPPED_REASONER,
    config({
      ...(fill ? { strictPriority: false } : {}),
      // BENCH_AGING=n: a move step that waited n steps joins the news class.
      ...(process.env.BENCH_AGING ? { priorityAgingSteps: Number(process.env.BENCH_AGING) } : {}),
    }),
    IN_FLIGHT,
    NEWS_PER_RUN,
  );
  const moves = figures.map((f) => `moves_per_s_${f.inFlight}=${fmt(f.movesPerSec, 1)}`).join(' ');
  console.log(`RESULT ${inflightResult(figures)} ${moves}`);
}

const probeIndex = process.argv.indexOf('--probe');
(probeIndex >= 0
  ? probe(process.argv[probeIndex + 1])
  : process.argv.includes('--inflight')
    ? inflightOnly()
    : process.argv.includes('--kv-device')
      ? kvDeviceOnly()
      : main()
).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
