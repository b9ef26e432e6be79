/**
 * Scoring benchmark (npm run bench:scoring), docs/tree-scoring.md § Benchmark.
 *
 * On simulated markets never used for training, model choice or the model card (seeds
 * 9200–9215, the training replay of tools/trees/dataset.ts, same label, @risk/contracts/loss-label:
 * the book loses more than 2% of nav within 10 minutes):
 *  - AUC and Brier of the merged score (mergeDecision, trees seeing the news judgement), of the
 *    same trees without news features (news: null) and of the interim rules (ruleScore); the
 *    bad-outcome rate per merged level;
 *  - latency of the tree step (features → ORT → TreeSHAP) and of a whole evaluation with and
 *    without the language model.
 * The news judgement the service merges is the news understanding's (the pretrained encoder and
 * its heads, judged for the book's largest exposure): the RESULT line's merged_* figures. The
 * reasoning model's (models/risk-reasoner/{int8,fp32}), when one is there, is merged the same way
 * and reported beside them (decoder_merged_*); without either, the training's noisy proxy. The
 * output says which. Ends with one RESULT line.
 *
 * Environment: BENCH_SCORING_SEEDS (runs, default 16: with 8, a Brier gap in the fifth decimal
 * was a tenth of its standard error), BENCH_TREE_MODEL (a candidate tree model
 * file instead of models/risk-trees/model.onnx), BENCH_REASONER_DIR (model folder),
 * BENCH_LM_MAX_JUDGEMENTS (cap on real-model judgements, default 4000), BENCH_LM_EVALS
 * (timed evaluations with the language model, default 300); REASONING_* as in the service.
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RiskLevel } from '@risk/contracts';
import { LOSS_LABEL_TEXT } from '@risk/contracts/loss-label';
import { readReasoningConfig, ReasoningEngine } from '@risk/lm-runtime';
import { RiskReasoner, type NewsInput } from '@risk/reasoning';
import { generateTrainingSet, planSplits, tokenizerCorpus } from '@risk/reasoning/model';
import { buildTokenizerJson, writeModelFolder } from '@risk/reasoning-tools';
import { REASONER_CONFIG } from '@risk/reasoning-tools/training/reasoner-config';
import {
  checkLimits,
  computePortfolioMetrics,
  ruleScore,
  type InstrumentBook,
  type LimitCheck,
} from '@risk/risk-metrics';
import {
  bandOf,
  limitFloor,
  mergeDecision,
  PROBABILITY_BANDS,
  horizonSigma,
  mergedProbability,
  type MergeInput,
  type MergeJudgement,
  type ProbabilityBands,
} from '@risk/scoring/merge';
import {
  buildFeatures,
  FEATURE_COUNT,
  measureTreeLatency,
  NEWS_AGE_CAP_S,
  TreeScorer,
  type NewsJudgement,
  type TreeFeatureInput,
} from '@risk/scoring/trees';
// The training's replay (same label, fresh seeds) and its figures: shared helpers, not its CLI.
import {
  newsInputFor,
  simulateRun,
  type EvaluationRecord,
  type Probs,
} from '../tools/trees/dataset';
import { brier, rocAuc } from '../tools/trees/figures';
import {
  judgementKey,
  judgeStories,
  openUnderstanding,
  understandStories,
  type StoryRequest,
} from '../tools/trees/judgements';
import { percentile, resultLine } from './bench-support';

const ROOT = path.resolve(__dirname, '..');
/** BENCH_TREE_MODEL: a candidate model (e.g. model:trees with TREES_OUT) instead of the shipped one. */
const TREE_MODEL = path.resolve(
  process.env.BENCH_TREE_MODEL ?? path.join(ROOT, 'models', 'risk-trees', 'model.onnx'),
);
/** Fresh seeds: training used 1000–1023, model choice 9000–9007, the model card 9100–9107. */
const SEEDS = Array.from(
  { length: Number(process.env.BENCH_SCORING_SEEDS ?? 16) },
  (_, i) => 9200 + i,
);
const MAX_JUDGEMENTS = Number(process.env.BENCH_LM_MAX_JUDGEMENTS ?? 4000);
const LM_EVALS = Number(process.env.BENCH_LM_EVALS ?? 300);
const LEVELS: RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const RANK: Record<RiskLevel, number> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };

/** Uninformative judgement probabilities: the story's age and exposure stay. */
const BLANK_JUDGEMENT = { pSevereNegative: 0.25, pNegative: 0.25, pNeutral: 0.25, pPositive: 0.25 };

/** What the merge is told about the latest news (engine-core's largestExposure). */
interface NewsSeen {
  newsId: string;
  ms: number;
  pSevereNegative: number;
  sharePct: number;
}

/** One held-out evaluation, kept for scoring and for the whole-evaluation replay. */
interface Evaluation {
  record: EvaluationRecord;
  checks: readonly LimitCheck[];
  news: NewsSeen | null;
  /** The story and exposure that triggered it (news-triggered evaluations). */
  request: NewsInput | null;
}

interface Pass {
  evals: Evaluation[];
  requests: StoryRequest[];
}

const f4 = (x: number): string => x.toFixed(4);
/** Brier scores near 0.03 differ in the fifth decimal. */
const f5 = (x: number): string => x.toFixed(5);

/** Replays the held-out runs; `judged` replaces the proxy judgement where it has one. */
function replay(seeds: readonly number[], judged?: ReadonlyMap<string, Probs>): Pass {
  const evals: Evaluation[] = [];
  const requests: Pass['requests'] = [];
  for (const seed of seeds) {
    // The run index picks the volatility regime: the same as in the full replay.
    const run = SEEDS.indexOf(seed);
    const latest = new Map<string, NewsSeen>();
    const trigger = new Map<string, NewsInput>();
    simulateRun(seed, run, {
      judge: (req) => {
        const input = newsInputFor(req);
        const exposure = input?.exposure ?? null;
        const p = judged?.get(judgementKey(req.portfolioId, req.news.id)) ?? req.proxy;
        latest.set(req.portfolioId, {
          newsId: req.news.id,
          ms: req.ms,
          pSevereNegative: p[0],
          sharePct: exposure?.sharePct ?? 0,
        });
        trigger.delete(req.portfolioId);
        if (input !== null) {
          trigger.set(req.portfolioId, input);
          requests.push({
            seed,
            portfolioId: req.portfolioId,
            newsId: req.news.id,
            input,
            trueClass: req.trueClass,
          });
        }
        return p;
      },
      onEvaluate: (record) => {
        const seen = latest.get(record.portfolioId);
        evals.push({
          record,
          checks: record.input.checks,
          // The news floor applies while the story still counts as recent for the features.
          news: seen && record.ms - seen.ms < NEWS_AGE_CAP_S * 1000 ? seen : null,
          request: record.trigger === 'news' ? (trigger.get(record.portfolioId) ?? null) : null,
        });
      },
    });
  }
  return { evals, requests };
}

interface Figures {
  n: number;
  badRate: number;
  merged: { auc: number; brier: number };
  trees: { auc: number; brier: number };
  /** The trees without news through the merge without a judgement (Gaussian term only). */
  recalibrated: { auc: number; brier: number };
  rules: { auc: number; brier: number };
  /** The trees with the news present but its judgement blanked (¼ each): what the judgement adds. */
  blanked: { auc: number; brier: number };
  news: {
    n: number;
    merged: number;
    trees: number;
    recalibrated: number;
    rules: number;
    blanked: number;
  };
  /** By merged level (bands, limit floor and news floor) and by probability band alone. */
  levels: Record<RiskLevel, Bucket>;
  bands: Record<RiskLevel, Bucket>;
  /** Evaluations whose level the limit floor raised above their probability band. */
  limitFloored: number;
  /**
   * Merged − trees-alone Brier per run (paired: same evaluations), its mean and the standard
   * error of that mean over the runs: how far a difference in the fifth decimal is from noise.
   */
  brierGap: { perRun: number[]; mean: number; se: number };
}

interface Bucket {
  n: number;
  bad: number;
  meanScore: number;
}

function buckets(
  levels: readonly RiskLevel[],
  scores: number[],
  labels: number[],
): Record<RiskLevel, Bucket> {
  const out = Object.fromEntries(LEVELS.map((l) => [l, { n: 0, bad: 0, meanScore: 0 }])) as Record<
    RiskLevel,
    Bucket
  >;
  levels.forEach((l, i) => {
    out[l].n++;
    out[l].bad += labels[i];
    out[l].meanScore += scores[i];
  });
  for (const l of LEVELS) if (out[l].n > 0) out[l].meanScore /= out[l].n;
  return out;
}

/** Per run, the Brier of `a` minus that of `b` on the same rows; their mean and standard error. */
function pairedGap(
  runs: readonly number[],
  a: readonly number[],
  b: readonly number[],
  labels: readonly number[],
): Figures['brierGap'] {
  const ids = [...new Set(runs)].sort((x, y) => x - y);
  const perRun = ids.map((r) => {
    let d = 0;
    let n = 0;
    runs.forEach((run, i) => {
      if (run !== r) return;
      d += (a[i] - labels[i]) ** 2 - (b[i] - labels[i]) ** 2;
      n++;
    });
    return d / n;
  });
  const mean = perRun.reduce((x, y) => x + y, 0) / perRun.length;
  const sd = Math.sqrt(
    perRun.reduce((x, d) => x + (d - mean) ** 2, 0) / Math.max(1, perRun.length - 1),
  );
  return { perRun, mean, se: sd / Math.sqrt(perRun.length) };
}

async function figures(scorer: TreeScorer, evals: readonly Evaluation[]): Promise<Figures> {
  const n = evals.length;
  const withNews = new Float32Array(n * FEATURE_COUNT);
  const noNews = new Float32Array(n * FEATURE_COUNT);
  const blankNews = new Float32Array(n * FEATURE_COUNT);
  evals.forEach((e, i) => {
    const input = e.record.input;
    buildFeatures(input, withNews, i * FEATURE_COUNT);
    buildFeatures({ ...input, news: null }, noNews, i * FEATURE_COUNT);
    const news = input.news && { ...input.news, ...BLANK_JUDGEMENT };
    buildFeatures({ ...input, news }, blankNews, i * FEATURE_COUNT);
  });
  const pNews = await scorer.score(withNews, n);
  const pTrees = await scorer.score(noNews, n);
  const pBlank = await scorer.score(blankNews, n);
  const labels = evals.map((e) => e.record.sample.bad);
  const rules = evals.map((e) => ruleScore(e.checks).score);
  const judgementOf = (e: Evaluation): MergeJudgement | null => {
    const n = e.record.input.news;
    return n && e.news
      ? {
          pSevereNegative: n.pSevereNegative,
          pNegative: n.pNegative,
          pPositive: n.pPositive,
          sharePct: e.news.sharePct,
          ageMs: n.ageMs,
        }
      : null;
  };
  // The merge without a judgement (trees without news, jump-diffusion = the Gaussian term).
  const recalibrated = scorer.mergeLogit
    ? Array.from(pTrees, (p, i) =>
        mergedProbability(p, null, scorer.mergeLogit!, evals[i].record.sample.sigma),
      )
    : Array.from(pTrees);
  const merged = evals.map((e, i) => {
    const m = mergeDecision({
      logit: scorer.mergeLogit,
      judgement: judgementOf(e),
      bands: scorer.bands,
      treeProbability: pNews[i],
      sigma: e.record.sample.sigma,
      rules: ruleScore(e.checks),
      checks: e.checks,
      news: e.news,
    });
    return m;
  });
  const scores = merged.map((m) => m.score);
  const bandsIn = scorer.bands ?? PROBABILITY_BANDS;
  const idx = evals.flatMap((e, i) => (e.record.trigger === 'news' ? [i] : []));
  const sub = (xs: ArrayLike<number>): number[] => idx.map((i) => xs[i]);
  return {
    n,
    badRate: labels.reduce((a: number, b) => a + b, 0) / n,
    merged: { auc: rocAuc(scores, labels), brier: brier(scores, labels) },
    trees: { auc: rocAuc(pTrees, labels), brier: brier(pTrees, labels) },
    recalibrated: { auc: rocAuc(recalibrated, labels), brier: brier(recalibrated, labels) },
    rules: { auc: rocAuc(rules, labels), brier: brier(rules, labels) },
    blanked: { auc: rocAuc(pBlank, labels), brier: brier(pBlank, labels) },
    news: {
      n: idx.length,
      merged: rocAuc(sub(scores), sub(labels)),
      trees: rocAuc(sub(pTrees), sub(labels)),
      recalibrated: rocAuc(sub(recalibrated), sub(labels)),
      rules: rocAuc(sub(rules), sub(labels)),
      blanked: rocAuc(sub(pBlank), sub(labels)),
    },
    levels: buckets(
      merged.map((m) => m.level),
      scores,
      labels,
    ),
    bands: buckets(
      scores.map((p) => bandOf(p, bandsIn)),
      scores,
      labels,
    ),
    brierGap: pairedGap(
      evals.map((e) => e.record.sample.run),
      scores,
      Array.from(pTrees),
      labels,
    ),
    limitFloored: evals.filter(
      (e, i) => RANK[limitFloor(e.checks).level] > RANK[bandOf(scores[i], bandsIn)],
    ).length,
  };
}

function printFigures(title: string, f: Figures, bands: ProbabilityBands): void {
  console.log(`\n${title}: ${f.n} evaluations, bad rate ${f4(f.badRate)}`);
  console.log('  score                       AUC     Brier    AUC on news-triggered');
  const row = (name: string, v: { auc: number; brier: number }, newsAuc: number): void =>
    console.log(`  ${name.padEnd(26)}  ${f4(v.auc)}  ${f5(v.brier)}  ${f4(newsAuc)}`);
  row('merged (trees + news)', f.merged, f.news.merged);
  row('trees alone (news: null)', f.trees, f.news.trees);
  row('  … merged without judgement', f.recalibrated, f.news.recalibrated);
  row('trees, judgement blanked', f.blanked, f.news.blanked);
  row('interim rules (ruleScore)', f.rules, f.news.rules);
  console.log(`  news-triggered evaluations: ${f.news.n}`);
  const table = (title: string, t: Record<RiskLevel, Bucket>): void => {
    console.log(`  ${title}`);
    for (const l of LEVELS) {
      const b = t[l];
      console.log(
        `    ${l.padEnd(8)} n ${String(b.n).padStart(6)}  bad rate ${b.n ? f4(b.bad / b.n) : '  -   '}  mean score ${b.n ? f4(b.meanScore) : '-'}`,
      );
    }
  };
  table(
    `bad-outcome rate per probability band of the merged score (MEDIUM ≥ ${bands.MEDIUM}, HIGH ≥ ${bands.HIGH}, CRITICAL ≥ ${bands.CRITICAL}):`,
    f.bands,
  );
  table('bad-outcome rate per merged level (band, then the limit and news floors):', f.levels);
  console.log(`  raised by the limit floor: ${f.limitFloored} of ${f.n}`);
  console.log(
    `  merged − trees-alone Brier per run: ${f.brierGap.perRun.map((d) => d.toFixed(5)).join(' ')}; mean ${f.brierGap.mean.toFixed(5)} ± ${f.brierGap.se.toFixed(5)} (standard error over runs)`,
  );
}

function reasonerDir(): string | null {
  const candidates = process.env.BENCH_REASONER_DIR
    ? [process.env.BENCH_REASONER_DIR]
    : ['int8', 'fp32'].map((q) => path.join(ROOT, 'models', 'risk-reasoner', q));
  return candidates.find((d) => existsSync(path.join(d, 'model.onnx'))) ?? null;
}

/** A random model of the shipped shape, under the OS temp folder: latency only. */
async function randomReasoner(): Promise<string> {
  const dir = path.join(os.tmpdir(), 'risk-bench-scoring-random-reasoner');
  if (!existsSync(path.join(dir, 'model.onnx'))) {
    const ex = generateTrainingSet(planSplits(7), 300, 11);
    const tok = buildTokenizerJson({
      vocabSize: REASONER_CONFIG.vocabSize,
      corpus: tokenizerCorpus(ex),
    });
    await writeModelFolder(dir, {
      cfg: REASONER_CONFIG,
      weights: { seed: 1 },
      quantization: 'none',
      tokenizerJson: tok,
      name: 'risk-reasoner-random',
      version: '0',
    } as never);
  }
  return dir;
}

function probsOf(p: Record<string, number>): Probs {
  return [p.severe_negative ?? 0, p.negative ?? 0, p.neutral ?? 0, p.positive ?? 0];
}

/**
 * How the model's top class relates to the simulator's class of the story, by side. The trees
 * were trained on a proxy of the story's class (side-blind), while the model judges the impact
 * on the position: for a short, a negative story is a positive impact.
 */
function agreement(requests: Pass['requests'], judged: ReadonlyMap<string, Probs>): string {
  const parts: string[] = [];
  for (const side of ['long', 'short'] as const) {
    const rs = requests.filter(
      (r) => r.input.exposure.side === side && judged.has(judgementKey(r.portfolioId, r.newsId)),
    );
    let story = 0;
    let impact = 0;
    const tops = [0, 0, 0, 0];
    const truths = [0, 0, 0, 0];
    for (const r of rs) {
      const p = judged.get(judgementKey(r.portfolioId, r.newsId))!;
      const top = p.indexOf(Math.max(...p));
      // Side-aware: a short's impact mirrors the story (severity kept apart: compare direction).
      const dir = (c: number): number => (c <= 1 ? -1 : c === 3 ? 1 : 0);
      const want = side === 'short' ? -dir(r.trueClass) : dir(r.trueClass);
      tops[top]++;
      truths[r.trueClass]++;
      if (top === r.trueClass) story++;
      if (dir(top) === want) impact++;
    }
    parts.push(
      `${side} ${rs.length}: top class = story class ${f4(story / Math.max(1, rs.length))}, direction = side-aware impact ${f4(impact / Math.max(1, rs.length))} (top classes ${tops.join('/')}, story classes ${truths.join('/')}, severe/negative/neutral/positive)`,
    );
  }
  return parts.join('; ');
}

function stats(xs: number[]): { p50: number; p99: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

/**
 * One whole evaluation as the service runs it: metrics → limits → rules → features → ORT →
 * TreeSHAP → merge. The market is the run's book at its end (every name priced, EWMA warm).
 */
async function wholeEvaluation(
  scorer: TreeScorer,
  book: InstrumentBook,
  e: EvaluationRecord,
  row: Float32Array,
  news: NewsJudgement | null,
  mergeNews: MergeInput['news'],
  stages?: { metrics: number[]; trees: number[]; merge: number[] },
): Promise<number> {
  const t0 = performance.now();
  const result = computePortfolioMetrics(
    { cash: e.cash, positions: e.positions.map((p) => ({ ...p, mark: p.price })) },
    book,
    e.peakNav,
  );
  const checks = checkLimits(result.metrics, e.limits);
  const rules = ruleScore(checks);
  const t1 = performance.now();
  const input: TreeFeatureInput = {
    metrics: result.metrics,
    positions: result.positions,
    checks,
    moveZ: e.input.moveZ,
    news,
  };
  buildFeatures(input, row);
  const [p] = await scorer.score(row, 1);
  scorer.explain(row);
  const t2 = performance.now();
  const { score } = mergeDecision({
    logit: scorer.mergeLogit,
    judgement: news && mergeNews ? { ...news, sharePct: mergeNews.sharePct } : null,
    treeProbability: p,
    rules,
    checks,
    news: mergeNews,
    bands: scorer.bands,
    sigma: horizonSigma(result.sigmaDay, result.metrics.nav, book.config.tradingSecondsPerDay),
  });
  if (stages) {
    stages.metrics.push(t1 - t0);
    stages.trees.push(t2 - t1);
    stages.merge.push(performance.now() - t2);
  }
  return score;
}

interface LmLatency {
  n: number;
  total: { p50: number; p99: number };
  judge: { p50: number; p99: number };
  cachedTokens: number;
  newTokens: number;
}

async function lmLatency(
  scorer: TreeScorer,
  engine: ReasoningEngine,
  dir: string,
  newsEvals: readonly Evaluation[],
  maxTokens: number,
): Promise<LmLatency> {
  const lm = await RiskReasoner.open(dir, engine, {
    generate: true,
    maxReasoningTokens: maxTokens,
  });
  const row = new Float32Array(FEATURE_COUNT);
  const warmed = new Set<string>();
  const total: number[] = [];
  const judge: number[] = [];
  let cached = 0;
  let fresh = 0;
  for (const e of newsEvals) {
    if (total.length >= LM_EVALS) break;
    const req = e.request;
    if (req === null) continue;
    const pid = `lat:${e.record.portfolioId}`;
    const t = performance.now();
    const j = await lm.judge(pid, req);
    const tj = performance.now();
    const p = probsOf(j.probabilities);
    const news: NewsJudgement = {
      pSevereNegative: p[0],
      pNegative: p[1],
      pNeutral: p[2],
      pPositive: p[3],
      ageMs: 0,
      symbols: e.record.input.news?.symbols ?? [req.exposure.symbol],
    };
    await wholeEvaluation(scorer, e.record.book, e.record, row, news, {
      pSevereNegative: p[0],
      sharePct: req.exposure.sharePct,
      newsId: 'bench',
    });
    const end = performance.now();
    if (!warmed.has(pid)) {
      warmed.add(pid);
      continue;
    }
    total.push(end - t);
    judge.push(tj - t);
    cached += j.timings.cachedTokens;
    fresh += j.timings.newTokens;
  }
  for (const pid of warmed) lm.forget(pid);
  return {
    n: total.length,
    total: stats(total),
    judge: stats(judge),
    cachedTokens: Math.round(cached / total.length),
    newTokens: Math.round(fresh / total.length),
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const scorer = await TreeScorer.load(TREE_MODEL);
  console.log(
    `tree model ${scorer.modelId}; held-out seeds ${SEEDS[0]}–${SEEDS[SEEDS.length - 1]} (fresh: never used for training or model choice)`,
  );

  const proxyPass = replay(SEEDS);
  console.log(
    `replayed ${SEEDS.length} runs: ${proxyPass.evals.length} evaluations, ${proxyPass.requests.length} judgements of news about held names, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const realDir = reasonerDir();
  const runtime = readReasoningConfig();
  let primary: Pass = proxyPass;
  let source = 'noisy proxy of the true story (as in training; no reasoning model found)';
  let engine: ReasoningEngine | null = null;
  let lmDir: string;
  let lmModel: string;
  let judgedAll: Map<string, Probs> | null = null;
  if (realDir !== null) {
    engine = await ReasoningEngine.open(realDir, runtime);
    // As the service judges: grounded chain of thought first, then the options after `Impact:`.
    const reasoner = await RiskReasoner.open(realDir, engine, {
      generate: true,
      maxReasoningTokens: 60,
    });
    // Whole runs only, in order, while they fit the cap (a story's judgement affects later evaluations).
    const seeds: number[] = [];
    let count = 0;
    for (const seed of SEEDS) {
      const c = proxyPass.requests.filter((r) => r.seed === seed).length;
      if (count + c > MAX_JUDGEMENTS) break;
      seeds.push(seed);
      count += c;
    }
    const requests = proxyPass.requests.filter((r) => seeds.includes(r.seed));
    const tj = performance.now();
    const judged = await judgeStories(reasoner, requests);
    judgedAll = judged;
    const ms = performance.now() - tj;
    primary = replay(seeds, judged);
    const where = realDir.startsWith(ROOT) ? path.relative(ROOT, realDir) : realDir;
    source = `reasoning model ${reasoner.modelId} (${where}): ${judged.size} judgements over ${seeds.length} runs in ${(ms / 1000).toFixed(1)} s (${(ms / judged.size).toFixed(1)} ms each, grounded generation then option scoring)`;
    lmDir = realDir;
    lmModel = reasoner.modelId;
    if (seeds.length < SEEDS.length) {
      source += `; capped at ${MAX_JUDGEMENTS}: runs ${seeds.join(', ')} only`;
    }
  } else {
    lmDir = await randomReasoner();
    lmModel = 'risk-reasoner-random@0 (random weights, latency only)';
  }
  console.log(`label: ${LOSS_LABEL_TEXT} (bad outcome)`);
  console.log(`news judgement: ${source}`);
  if (judgedAll !== null)
    console.log(`  model vs simulator truth: ${agreement(proxyPass.requests, judgedAll)}`);

  // The judgement the service gives the merge for news: the pretrained encoder's reading on the
  // exposure (ReasoningJudge), one reading per story (the training records the same, judgements.ts).
  let understood: Pass | null = null;
  let understoodAll: Map<string, Probs> | null = null;
  try {
    const u = await openUnderstanding(undefined, (l) => console.log(l));
    const tu = performance.now();
    const judgedU = await understandStories(u, proxyPass.requests);
    await u.close();
    understoodAll = judgedU;
    understood = replay(SEEDS, judgedU);
    console.log(
      `news understanding ${u.modelId}: ${judgedU.size} judgements over ${SEEDS.length} runs in ${((performance.now() - tu) / 1000).toFixed(1)} s`,
    );
    console.log(`  understanding vs simulator truth: ${agreement(proxyPass.requests, judgedU)}`);
  } catch (e) {
    console.log(`news understanding unavailable: ${e instanceof Error ? e.message : String(e)}`);
  }

  const bandsUsed = scorer.bands ?? PROBABILITY_BANDS;
  console.log(
    `merge bands: ${scorer.bands ? "the tree model's calibrated merge_bands" : 'fallback PROBABILITY_BANDS'} ${JSON.stringify(bandsUsed)}`,
  );
  const held = await figures(scorer, primary.evals);
  printFigures(
    `held-out figures (news judgement: ${realDir ? 'the reasoning model' : 'proxy'})`,
    held,
    bandsUsed,
  );
  if (realDir !== null) {
    const books = new Set(primary.evals.map((e) => e.record.portfolioId));
    printFigures(
      'same runs with a noisy proxy of the story (right class 80%, side-blind) instead of the model',
      await figures(
        scorer,
        proxyPass.evals.filter((e) => books.has(e.record.portfolioId)),
      ),
      bandsUsed,
    );
  }

  const heldU = understood ? await figures(scorer, understood.evals) : null;
  if (heldU && understoodAll) {
    printFigures(
      'held-out figures (news judgement: the news understanding, as the service merges it)',
      heldU,
      bandsUsed,
    );
  }

  // Latency of the tree step alone.
  const inputs = primary.evals.slice(0, 2000).map((e) => e.record.input);
  const tree = await measureTreeLatency(scorer, inputs, 5000, 500);
  console.log(
    `\ntree step (features → ORT → TreeSHAP + path), 5000 rows: p50 ${f4(tree.p50Ms)} ms, p99 ${f4(tree.p99Ms)} ms (ORT p50 ${f4(tree.ort.p50Ms)} / p99 ${f4(tree.ort.p99Ms)}; explain p50 ${f4(tree.explain.p50Ms)} / p99 ${f4(tree.explain.p99Ms)})`,
  );

  // Whole evaluation without the language model: the last run's evaluations on its final book.
  const lastRun = primary.evals.filter(
    (e) => e.record.book === primary.evals[primary.evals.length - 1].record.book,
  );
  const book = lastRun[0].record.book;
  const row = new Float32Array(FEATURE_COUNT);
  const noLm: number[] = [];
  const stages = { metrics: [] as number[], trees: [] as number[], merge: [] as number[] };
  const iterations = 3000;
  for (let i = -300; i < iterations; i++) {
    const e = lastRun[(i + 300) % lastRun.length];
    const t = performance.now();
    await wholeEvaluation(
      scorer,
      book,
      e.record,
      row,
      e.record.input.news,
      e.news,
      i >= 0 ? stages : undefined,
    );
    if (i >= 0) noLm.push(performance.now() - t);
  }
  const nolm = stats(noLm);
  const [sm, st, sg] = [stats(stages.metrics), stats(stages.trees), stats(stages.merge)];
  console.log(
    `whole evaluation without LM (metrics → limits → rules → features → ORT → SHAP → merge), ${iterations} runs: p50 ${f4(nolm.p50)} ms, p99 ${f4(nolm.p99)} ms (p50 / p99 of its stages: metrics + limits + rules ${f4(sm.p50)} / ${f4(sm.p99)}, trees ${f4(st.p50)} / ${f4(st.p99)}, merge ${f4(sg.p50)} / ${f4(sg.p99)} ms)`,
  );

  // Whole evaluation with the language model: news-triggered evaluations in event order (each on
  // its run's final market), one at a time, each portfolio's first story untimed (context cached).
  const newsEvals = primary.evals.filter((e) => e.request !== null);
  const maxTokens = Number(process.env.REASONING_MAX_TOKENS ?? 48);
  engine ??= await ReasoningEngine.open(lmDir, runtime);
  const lm = await lmLatency(scorer, engine, lmDir, newsEvals, maxTokens);
  const describe = (wait: number, r: LmLatency): string =>
    `whole evaluation with LM (${lmModel}, generation on, ≤ ${maxTokens} tokens, batch wait ${wait} ms), ${r.n} news on cached portfolios: p50 ${r.total.p50.toFixed(2)} ms, p99 ${r.total.p99.toFixed(2)} ms (judge alone p50 ${r.judge.p50.toFixed(2)} / p99 ${r.judge.p99.toFixed(2)} ms; mean ${r.cachedTokens} cached / ${r.newTokens} new prompt tokens)`;
  console.log(describe(runtime.maxWaitMs, lm));
  await engine.close();
  if (runtime.maxWaitMs > 0) {
    // One news at a time never fills a batch: the scheduler's wait is pure cost per token.
    const noWait = await ReasoningEngine.open(lmDir, { ...runtime, maxWaitMs: 0 });
    console.log(
      describe(0, await lmLatency(scorer, noWait, lmDir, newsEvals, maxTokens)) +
        ' [REASONING_MAX_WAIT_MS=0]',
    );
    await noWait.close();
  }
  await scorer.release();
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // The headline figures are the service's: news judged by the news understanding (the decoder
  // only explains); the decoder's judgement, merged the same way, is reported beside them.
  const service = heldU ?? held;
  console.log(
    resultLine({
      merged_auc: f4(service.merged.auc),
      trees_auc: f4(service.trees.auc),
      rules_auc: f4(service.rules.auc),
      merged_brier: f5(service.merged.brier),
      trees_brier: f5(service.trees.brier),
      rules_brier: f5(service.rules.brier),
      tree_p99_ms: f4(tree.p99Ms),
      eval_lm_p99_ms: lm.total.p99.toFixed(2),
      eval_nolm_p99_ms: f4(nolm.p99),
      ...(heldU && realDir !== null
        ? {
            decoder_merged_auc: f4(held.merged.auc),
            decoder_merged_brier: f5(held.merged.brier),
          }
        : {}),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
