/**
 * The per-portfolio context part of `npm run bench:models` (runnable alone:
 * `ts-node --transpile-only -r tsconfig-paths/register bench/models-context.ts`).
 *
 * 1. Shared system prefix: first-event latency (brief + one item, judged by option scoring) of
 *    a new portfolio whose 2,000-token system prompt is the shared prefix another portfolio
 *    already computed, against the same context with the system prompt in the portfolio's own
 *    part. The shipped model has 512 positions, so this runs on a random-weight model built by
 *    tools/reasoning's graph builder (`bench` preset: 8 layers, hidden 512, vocabulary 8,192,
 *    8,192 positions, full attention, the plain chat template), built under .cache/models/.
 * 2. The demo's stream (data/sample-stream.jsonl) replayed through the engine core (snapshots
 *    and ticks applied by EngineCore) with the shipped reasoner (models/risk-reasoner/int8,
 *    chain of thought generated): each news item with symbols judged for every holder, each
 *    large move (|z| ≥ 3) for every holder of the symbol. Per evaluation: the share of its
 *    context's tokens (system, brief, log, the item's prompt) whose K/V came from the cache;
 *    `demo_cached_share` sums over the evaluations of portfolios already warm (their second
 *    evaluation on).
 * 3. Rebuild: each portfolio's log put back (as from PostgreSQL) and its context computed.
 */
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EngineCore, moveItem, type PortfolioState } from '@risk/engine';
import { ReasoningEngine, type ReasoningRuntimeConfig } from '@risk/lm-runtime';
import { loadChatTemplate } from '@risk/lm-runtime/chat/chat-template';
import { ReasonerFormat, RiskReasoner, type NewsInput } from '@risk/reasoning';
import { DECODER_GRAPH_REVISION, DECODER_PRESETS, writeModelFolder } from '@risk/reasoning-tools';

const ROOT = path.resolve(__dirname, '..');
const SHIPPED = path.join(ROOT, 'models', 'risk-reasoner', 'int8');
const SYSTEM_TOKENS = 2000;
const PORTFOLIOS = Number(process.env.BENCH_PORTFOLIOS ?? 4);
/** Longest context in the replay (unset: the reasoner's default, as the service runs it). */
const CONTEXT_TOKENS = process.env.BENCH_CONTEXT_TOKENS
  ? Number(process.env.BENCH_CONTEXT_TOKENS)
  : undefined;

export interface ContextFigures {
  /** Median first-event latency without the shared prefix ÷ with it. */
  sharedPrefixSpeedup: number;
  firstEventSharedMs: number;
  firstEventUnsharedMs: number;
  systemTokens: number;
  /** Σ cached ÷ Σ context tokens over the warm portfolios' evaluations of the demo replay. */
  demoCachedShare: number;
  /** The same over every evaluation (cold first ones included). */
  demoCachedShareAll: number;
  /** Σ cached ÷ Σ (cached + computed), generated and scored tokens included (the demo's 26.7%). */
  demoTokenShare: number;
  evaluations: number;
  warmEvaluations: number;
  medianContextTokens: number;
  /** Mean time to put a portfolio's log back and compute its context's K/V. */
  rebuildMs?: number;
  rebuildContextTokens?: number;
  /** Warm cached share with the context held to the model's positions. */
  baselineCachedShare?: number;
  /** Share of evaluations whose impact equals the one judged with the positions-only context. */
  baselineImpactAgreement?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function runtime(): ReasoningRuntimeConfig {
  return {
    session: {
      executionProviders: (process.env.REASONING_EP ?? 'cpu').split(','),
      intraOpNumThreads: Number(process.env.REASONING_THREADS ?? 0) || undefined,
    },
    budgetBytes: 1024 * 1024 * 1024,
    maxBatch: 32,
    maxWaitMs: 0,
    maxStepTokens: 512,
  };
}

/** The random-weight model of the shared-prefix measurement (`bench` preset unless set). */
const PRESET = (process.env.BENCH_PREFIX_PRESET ?? 'bench') as keyof typeof DECODER_PRESETS;

async function prefixModel(): Promise<string> {
  const dir = path.join(
    ROOT,
    '.cache',
    'models',
    `context-bench-${PRESET}-g${DECODER_GRAPH_REVISION}`,
  );
  if (!existsSync(path.join(dir, 'model.onnx'))) {
    await writeModelFolder(dir, {
      cfg: DECODER_PRESETS[PRESET],
      weights: { seed: 11 },
      name: `random-${PRESET}`,
      version: '0.1.0',
    });
  }
  return dir;
}

/** A policy text of exactly `tokens` tokens under the model's tokenizer. */
function longInstruction(engine: ReasoningEngine, tokens: number): string {
  const para =
    'Judge how each news item moves this portfolio: read the holding, its side and its share of ' +
    'net asset value, the typical move of such an event, and state the expected change in percent ' +
    'of nav before the impact. Limits: single name weight, sector weight, VaR at 99 percent. ';
  let text = para;
  while (engine.encode(text).length < tokens) text += para;
  return engine.tokenizer.decode(engine.encode(text).slice(0, tokens)).trim();
}

const exposure = {
  symbol: 'ACME',
  side: 'long' as const,
  quantity: 400,
  price: 182.4,
  sharePct: 7.3,
};
const book = (i: number): NewsInput['book'] => ({
  holdings: [
    { symbol: 'ACME', side: 'long', sharePct: 7.3 },
    { symbol: `N${i}`, side: 'short', sharePct: 2.1 },
  ],
  grossPct: 64 + i,
});

async function sharedPrefix(): Promise<
  Pick<
    ContextFigures,
    'sharedPrefixSpeedup' | 'firstEventSharedMs' | 'firstEventUnsharedMs' | 'systemTokens'
  >
> {
  const dir = await prefixModel();
  const template = await loadChatTemplate(dir);
  const run = async (share: boolean): Promise<number[]> => {
    const engine = await ReasoningEngine.open(dir, runtime());
    try {
      const instruction = longInstruction(engine, SYSTEM_TOKENS);
      const reasoner = new RiskReasoner(
        engine,
        `random-${PRESET}`,
        { generate: false, maxReasoningTokens: 8 },
        new ReasonerFormat(template, instruction, share),
      );
      // A first portfolio computes the shared prefix (with sharing) and warms the session.
      await reasoner.judge('warm', { headline: 'ACME wins a contract', exposure, book: book(0) });
      const ms: number[] = [];
      for (let i = 1; i <= PORTFOLIOS; i++) {
        const t0 = performance.now();
        await reasoner.judge(`p${i}`, {
          headline: `ACME cuts guidance ${i}`,
          body: 'Shares fell in early trading.',
          exposure,
          book: book(i),
        });
        ms.push(performance.now() - t0);
      }
      return ms;
    } finally {
      await engine.close();
    }
  };
  const shared = median(await run(true));
  const unshared = median(await run(false));
  console.log(
    `shared prefix (${SYSTEM_TOKENS}-token system prompt, random ${PRESET} model, ${PORTFOLIOS} portfolios): ` +
      `first event ${shared.toFixed(1)} ms shared vs ${unshared.toFixed(1)} ms unshared`,
  );
  return {
    sharedPrefixSpeedup: unshared / shared,
    firstEventSharedMs: shared,
    firstEventUnsharedMs: unshared,
    systemTokens: SYSTEM_TOKENS,
  };
}

interface StreamRecord {
  topic: string;
  key: string;
  value: Record<string, unknown>;
}

type Snapshot = PortfolioState['snapshot'];

interface ReplayRow {
  pid: string;
  cached: number;
  context: number;
  newTokens: number;
  warm: boolean;
  impact: string;
  pSevere: number;
}

/** The demo's stream through EngineCore and the shipped reasoner, one judgement at a time. */
async function replay(contextTokens: number | undefined): Promise<{
  rows: ReplayRow[];
  ms: number;
  reasoner: RiskReasoner;
  core: EngineCore;
}> {
  const records = readFileSync(path.join(ROOT, 'data', 'sample-stream.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as StreamRecord);
  const engine = await ReasoningEngine.open(SHIPPED, runtime());
  const reasoner = await RiskReasoner.open(SHIPPED, engine, {
    generate: true,
    maxReasoningTokens: 60,
    ...(contextTokens !== undefined ? { contextTokens } : {}),
  });
  const core = new EngineCore({ ewmaLambda: 0.94, sampleIntervalMs: 60_000, largeMoveSigma: 3 });
  const seen = new Set<string>();
  const rows: ReplayRow[] = [];
  const judge = async (pid: string, input: NewsInput) => {
    const r = await reasoner.judge(pid, input);
    rows.push({
      pid,
      cached: r.timings.cachedTokens,
      context: r.timings.contextTokens ?? 0,
      newTokens: r.timings.newTokens,
      warm: seen.has(pid),
      impact: r.impact,
      pSevere: r.probabilities.severe_negative,
    });
    seen.add(pid);
  };
  const started = performance.now();
  for (const rec of records) {
    const v = rec.value;
    if (rec.topic === 'portfolio.positions') {
      const snap = {
        id: String(v['id']),
        portfolioId: String(v['portfolioId']),
        sourceTopic: rec.topic,
        sourceId: String(v['id']),
        ts: String(v['ts']),
        baseCurrency: String(v['baseCurrency']),
        cash: Number(v['cash']),
        positions: v['positions'] as Snapshot['positions'],
        limits: (v['limits'] as Snapshot['limits']) ?? null,
      } as Snapshot;
      core.install({
        id: snap.portfolioId,
        snapshot: snap,
        peakNav: null,
        lastLevel: null,
        breaches: [],
      });
    } else if (rec.topic === 'market.ticks') {
      const r = core.applyTick(
        {
          id: String(v['id']),
          symbol: String(v['symbol']),
          price: Number(v['price']),
          ts: String(v['ts']),
        },
        Date.parse(String(v['ts'])),
      );
      if (r.move?.large) {
        const item = moveItem(r.move);
        for (const pid of core.holdersOf([r.move.symbol])) {
          const e = core.largestExposure(pid, [r.move.symbol]);
          if (!e || e.side === 'none') continue;
          await judge(pid, { ...item, exposure: e, book: core.bookSnapshot(pid) ?? undefined });
        }
      }
    } else if (rec.topic === 'news.events') {
      const symbols = (v['symbols'] as string[] | undefined) ?? [];
      for (const pid of core.holdersOf(symbols)) {
        const e = core.largestExposure(pid, symbols);
        if (!e || e.side === 'none') continue;
        await judge(pid, {
          headline: String(v['headline']),
          body: typeof v['body'] === 'string' ? v['body'] : undefined,
          exposure: e,
          book: core.bookSnapshot(pid) ?? undefined,
        });
      }
    }
  }
  return { rows, ms: performance.now() - started, reasoner, core };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const cachedShare = (rs: ReplayRow[]): number =>
  sum(rs.map((r) => r.cached)) / Math.max(1, sum(rs.map((r) => r.context)));

async function demoReplay(): Promise<
  Omit<
    ContextFigures,
    'sharedPrefixSpeedup' | 'firstEventSharedMs' | 'firstEventUnsharedMs' | 'systemTokens'
  >
> {
  const { rows, ms, reasoner, core } = await replay(CONTEXT_TOKENS);
  const warm = rows.filter((r) => r.warm);
  const tokenShare =
    sum(rows.map((r) => r.cached)) / Math.max(1, sum(rows.map((r) => r.cached + r.newTokens)));
  const portfolios = [...new Set(rows.map((r) => r.pid))];
  console.log(
    `demo replay (shipped int8 reasoner, context limit ${reasoner.contextLimit} tokens): ${rows.length} evaluations ` +
      `(${warm.length} warm) over ${portfolios.length} portfolios in ${(ms / 1000).toFixed(1)} s; ` +
      `cached share of context tokens: warm ${cachedShare(warm).toFixed(3)}, all ${cachedShare(rows).toFixed(3)}; ` +
      `of all tokens (generated and scored included) ${tokenShare.toFixed(3)}; ` +
      `median context ${median(rows.map((r) => r.context))} tokens`,
  );
  // Rebuild: each portfolio's log put back, its context computed from the shared root on.
  const rebuilds: { ms: number; tokens: number }[] = [];
  for (const pid of portfolios) {
    const items = reasoner.logOf(pid);
    reasoner.forget(pid);
    const t0 = performance.now();
    const tokens = await reasoner.restore(pid, items, {
      warm: true,
      book: core.bookSnapshot(pid) ?? undefined,
    });
    rebuilds.push({ ms: performance.now() - t0, tokens });
  }
  await reasoner.engine.close();
  const rebuildMs = sum(rebuilds.map((r) => r.ms)) / Math.max(1, rebuilds.length);
  const rebuildContextTokens = sum(rebuilds.map((r) => r.tokens)) / Math.max(1, rebuilds.length);
  console.log(
    `rebuild: ${rebuilds.length} portfolios, mean ${rebuildMs.toFixed(1)} ms to compute a ${rebuildContextTokens.toFixed(0)}-token context`,
  );
  const figures: Awaited<ReturnType<typeof demoReplay>> = {
    demoCachedShare: cachedShare(warm),
    demoCachedShareAll: cachedShare(rows),
    demoTokenShare: tokenShare,
    evaluations: rows.length,
    warmEvaluations: warm.length,
    medianContextTokens: median(rows.map((r) => r.context)),
    rebuildMs,
    rebuildContextTokens,
  };
  if (process.env.BENCH_BASELINE === '0') return figures;
  // The same stream with the context held to the model's positions: do the judgements change?
  const base = await replay(reasoner.engine.spec.maxPositions);
  await base.reasoner.engine.close();
  const same = rows.filter((r, i) => base.rows[i]?.impact === r.impact).length;
  const dp = rows.map((r, i) => Math.abs(r.pSevere - (base.rows[i]?.pSevere ?? NaN)));
  console.log(
    `baseline (context limit ${base.reasoner.contextLimit} tokens): cached share warm ` +
      `${cachedShare(base.rows.filter((r) => r.warm)).toFixed(3)}; impact agreement with it ` +
      `${same}/${rows.length}, median |Δ p(severe negative)| ${median(dp).toFixed(4)}`,
  );
  return {
    ...figures,
    baselineCachedShare: cachedShare(base.rows.filter((r) => r.warm)),
    baselineImpactAgreement: same / Math.max(1, rows.length),
  };
}

/** Both context measurements of bench:models. */
export async function measureContext(): Promise<ContextFigures> {
  const prefix = await sharedPrefix();
  const demo = await demoReplay();
  return { ...prefix, ...demo };
}

if (require.main === module) {
  measureContext()
    .then((f) => {
      console.log(JSON.stringify(f, null, 2));
      console.log(
        `RESULT shared_prefix_speedup=${f.sharedPrefixSpeedup.toFixed(2)} demo_cached_share=${f.demoCachedShare.toFixed(3)}`,
      );
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
