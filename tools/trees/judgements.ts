/**
 * The news judgements of the training stories, replayed in place of the noisy proxy
 * (RunHooks.judge): by default the news understanding's (the pretrained encoder and its heads,
 * judged for the book's largest exposure: what the service merges, ReasoningJudge), or the
 * reasoning model's (the decoder: asked once per model file, recorded under .cache/).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readReasoningConfig, ReasoningEngine } from '@risk/lm-runtime';
import {
  encoderFiles,
  ensureNewsEncoder,
  judgeForHolder,
  NewsUnderstanding,
} from '@risk/news-understanding';
import { RiskReasoner, type NewsInput } from '@risk/reasoning';
import { newsInputFor, simulateRun, type Probs, type RunHooks } from './dataset';

export const judgementKey = (portfolioId: string, newsId: string): string =>
  `${portfolioId}|${newsId}`;

/** A story for one book, as the reasoning model is asked about it. */
export interface StoryRequest {
  seed: number;
  portfolioId: string;
  newsId: string;
  input: NewsInput;
  /** The simulator's class of the story for the book (0 severe negative … 3 positive). */
  trueClass: number;
}

/** Every story about held names in the runs, in event order (the proxy stands in meanwhile). */
export function storyRequests(runs: readonly { seed: number; run: number }[]): StoryRequest[] {
  const out: StoryRequest[] = [];
  for (const { seed, run } of runs) {
    simulateRun(seed, run, {
      judge: (req) => {
        const input = newsInputFor(req);
        if (input !== null)
          out.push({
            seed,
            portfolioId: req.portfolioId,
            newsId: req.news.id,
            input,
            trueClass: req.trueClass,
          });
        return req.proxy;
      },
    });
  }
  return out;
}

/**
 * The reasoning model's judgement of every request, in event order per portfolio (so each book's
 * context builds up as in the service), as the service runs it (grounded generation, then option
 * scoring). Contexts are dropped afterwards.
 */
export async function judgeStories(
  reasoner: RiskReasoner,
  requests: readonly StoryRequest[],
  onProgress?: (done: number) => void,
): Promise<Map<string, Probs>> {
  const out = new Map<string, Probs>();
  for (const r of requests) {
    const pid = `${r.seed}:${r.portfolioId}`;
    const j = await reasoner.judge(pid, r.input);
    const p = j.probabilities;
    out.set(judgementKey(r.portfolioId, r.newsId), [
      p.severe_negative,
      p.negative,
      p.neutral,
      p.positive,
    ]);
    if (out.size % 500 === 0) onProgress?.(out.size);
  }
  for (const r of requests) reasoner.forget(`${r.seed}:${r.portfolioId}`);
  return out;
}

/** A judge hook that answers from recorded judgements (the proxy where none was recorded). */
export function recordedJudge(judged: ReadonlyMap<string, Probs>): NonNullable<RunHooks['judge']> {
  return (req) => judged.get(judgementKey(req.portfolioId, req.news.id)) ?? req.proxy;
}

/**
 * The news understanding's judgement of every request, as the service merges it (ReasoningJudge:
 * one reading of the story by the encoder and its heads, judged for the book's largest exposure
 * by `judgeForHolder`). Each distinct story is read once (every book shares its reading); stories
 * are read apart (no near-duplicate reuse across simulated stories). A request whose exposure has
 * no side is left out (the service judges none: the caller keeps its proxy).
 */
export async function understandStories(
  understanding: NewsUnderstanding,
  requests: readonly StoryRequest[],
): Promise<Map<string, Probs>> {
  const out = new Map<string, Probs>();
  const storyIndex = new Map<string, number>();
  for (const r of requests) {
    const side = r.input.exposure.side;
    if (side === 'none') continue;
    const id = `${r.seed}:${r.newsId}`;
    if (!storyIndex.has(id)) storyIndex.set(id, storyIndex.size);
    const s = await understanding.understand({
      id,
      tsMs: storyIndex.get(id)! * 1e9, // apart beyond the duplicate window
      headline: r.input.headline,
      body: r.input.body,
    });
    const p = judgeForHolder(s.reading, side, r.input.exposure.sharePct).probabilities;
    out.set(judgementKey(r.portfolioId, r.newsId), [
      p.severe_negative,
      p.negative,
      p.neutral,
      p.positive,
    ]);
  }
  return out;
}

const ROOT = path.resolve(__dirname, '..', '..');
/** The shipped heads of the news understanding. */
export const SHIPPED_UNDERSTANDING = path.join(
  ROOT,
  'models',
  'news-understanding',
  'classifier.json',
);

/** Opens the news understanding (the encoder fetched and checked first if need be). */
export async function openUnderstanding(
  classifier = SHIPPED_UNDERSTANDING,
  log: (line: string) => void = console.log,
): Promise<NewsUnderstanding> {
  const files = encoderFiles(ROOT);
  ensureNewsEncoder(files, log);
  return NewsUnderstanding.open(files, classifier);
}

/**
 * Where the judgements come from: the noisy proxy, the news understanding (encoder and heads,
 * what the service merges) or a reasoning model folder (the decoder).
 */
export type JudgementSource =
  | { proxy: true }
  | { proxy: false; encoder: true; classifier: string }
  | { proxy: false; encoder?: false; reasonerDir: string };

/** The shipped int8 reasoning model. */
export const SHIPPED_REASONER_DIR = path.resolve(
  __dirname,
  '..',
  '..',
  'models',
  'risk-reasoner',
  'int8',
);
const CACHE_DIR = path.resolve(__dirname, '..', '..', '.cache');

export interface RecordedJudgements {
  judged: Map<string, Probs> | null;
  source: string;
  count: number;
  seconds: number;
}

/**
 * The reasoning model's judgement of every story in the training, held-out and test runs (or
 * none: the noisy proxy). Recorded once per model file under .cache/ (about 14 000 judgements,
 * ~10 minutes on one core).
 */
export async function recordedJudgements(
  runs: readonly { seed: number; run: number }[],
  from: JudgementSource,
): Promise<RecordedJudgements> {
  if (from.proxy) return { judged: null, source: 'proxy of the true story', count: 0, seconds: 0 };
  if (from.encoder) {
    const t = Date.now();
    const understanding = await openUnderstanding(from.classifier);
    const source = `${understanding.modelId} (${path.relative(ROOT, from.classifier)}; judgeForHolder on the largest exposure)`;
    try {
      const judged = await understandStories(understanding, storyRequests(runs));
      const seconds = (Date.now() - t) / 1000;
      console.log(`news judgements: ${judged.size} by ${source} in ${seconds.toFixed(1)} s`);
      return { judged, source, count: judged.size, seconds };
    } finally {
      await understanding.close();
    }
  }
  const dir = path.resolve(from.reasonerDir);
  const modelBytes = await fs.readFile(path.join(dir, 'model.onnx'));
  const digest = createHash('sha256').update(modelBytes).digest('hex').slice(0, 16);
  const cacheFile = path.join(CACHE_DIR, `tree-judgements-${digest}.json`);
  const requests = storyRequests(runs);
  const runtime = readReasoningConfig({ REASONING_THREADS: '1' });
  const engine = await ReasoningEngine.open(dir, runtime);
  const reasoner = await RiskReasoner.open(dir, engine, { generate: true, maxReasoningTokens: 60 });
  const source = `${reasoner.modelId} (grounded generation, then option scoring)`;
  try {
    const cached = JSON.parse(await fs.readFile(cacheFile, 'utf8')) as {
      entries: [string, Probs][];
      seconds: number;
    };
    const judged = new Map(cached.entries);
    if (requests.every((r) => judged.has(judgementKey(r.portfolioId, r.newsId)))) {
      await engine.close();
      console.log(`news judgements: ${judged.size} from ${cacheFile}`);
      return { judged, source, count: judged.size, seconds: cached.seconds };
    }
  } catch {
    // not recorded yet
  }
  const t = Date.now();
  console.log(`news judgements: ${requests.length} stories for ${source} …`);
  const judged = await judgeStories(reasoner, requests, (n) =>
    console.log(`  ${n} judged (${((Date.now() - t) / 1000).toFixed(0)} s)`),
  );
  await engine.close();
  const seconds = (Date.now() - t) / 1000;
  await fs.mkdir(path.dirname(cacheFile), { recursive: true });
  await fs.writeFile(cacheFile, JSON.stringify({ entries: [...judged], seconds }));
  return { judged, source, count: judged.size, seconds };
}
