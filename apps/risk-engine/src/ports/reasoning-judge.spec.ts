import type { JudgeItem } from '@risk/engine';
import { DeadlineError, SupersededError } from '@risk/lm-runtime';
import { newsKind, type StoryUnderstanding } from '@risk/news-understanding';
import { ServiceMetrics } from '@risk/platform';
import type { NewsReasoningService } from '../news-reasoning.service';
import type { NewsUnderstandingService } from '../news-understanding.service';
import { newCore, portfolio } from '../testing/engine-fixtures';
import { strictMock } from '../testing/strict-mock';
import { ReasoningJudge } from './reasoning-judge';

function setup(opts: { superseded?: boolean; pastDeadline?: boolean; story?: boolean } = {}) {
  const core = newCore();
  // Cash 100,000 + HRGT 10,000 + KSTL 5,000: nav 115,000.
  core.install(
    portfolio('pf', [
      { symbol: 'HRGT', quantity: 100, price: 100 },
      { symbol: 'KSTL', quantity: 50, price: 100 },
    ]),
  );
  const seen: { symbol: string; sharePct: number }[] = [];
  const calls: { priority?: number; kind?: string }[] = [];
  const superseded: string[] = [];
  const reasoning = strictMock<NewsReasoningService>('reasoning', {
    modelId: 'reasoner@test',
    supersede: (pid, kind) => (superseded.push(`${pid}/${kind}`), 1),
    judge: async (pid, input, priority, kind) => {
      seen.push({ symbol: input.exposure.symbol, sharePct: input.exposure.sharePct });
      calls.push({ priority, kind });
      if (opts.superseded) throw new SupersededError(pid, kind ?? '');
      if (opts.pastDeadline) throw new DeadlineError(pid, kind ?? '', 300);
      return {
        probabilities: { severe_negative: 0.1, negative: 0.2, neutral: 0.6, positive: 0.1 },
        impact: 'neutral',
        severity: null,
        rawChainOfThought: null,
        grounded: null,
        timings: { cachedTokens: 0, newTokens: 1, reasoningMs: 1 },
      };
    },
  });
  // A fire read as an operational disruption, bad for the issuer.
  const story: StoryUnderstanding = {
    symbols: ['KSTL'],
    reading: {
      kind: newsKind('operational_disruption'),
      kindProbability: 0.9,
      issuer: { negative: 0.8, neutral: 0.15, positive: 0.05 },
      rumour: false,
    },
    windows: 1,
    nearest: [],
    understandMs: 2,
    model: 'encoder@test',
  };
  const understanding = strictMock<NewsUnderstandingService>('understanding', {
    modelId: opts.story ? 'encoder@test' : null,
    understand: async () => (opts.story ? story : null),
  });
  const metrics = new ServiceMetrics();
  const judge = new ReasoningJudge(metrics, reasoning, understanding, core);
  return { judge, seen, calls, superseded, metrics };
}

const item: JudgeItem = { id: 'n1', headline: 'Fire at Kestrel', symbols: [], tsMs: 0 };

describe('ReasoningJudge', () => {
  it('reads the effective exposure of news reaching the portfolio through the graph', async () => {
    const { judge, seen } = setup();
    // HRGT through a 0.4 edge (8.70% × 0.4 = 3.48%) beats KSTL through a 0.5 one (2.17%).
    const weights = new Map([
      ['KSTL', 0.5],
      ['HRGT', 0.4],
    ]);
    const j = await judge.judge('pf', { ...item, weights }, 'news');
    const effective = (10_000 / 115_000) * 100 * 0.4;
    expect(seen).toEqual([{ symbol: 'HRGT', sharePct: expect.closeTo(effective, 9) }]);
    // What the merge's news floor reads.
    expect(j?.judgement.exposure).toMatchObject({ sharePct: expect.closeTo(effective, 9) });
  });

  it('reads the plain largest exposure of the symbols a story names', async () => {
    const { judge, seen } = setup();
    await judge.judge('pf', { ...item, symbols: ['KSTL'] }, 'news');
    expect(seen).toEqual([
      { symbol: 'KSTL', sharePct: expect.closeTo((5_000 / 115_000) * 100, 9) },
    ]);
  });

  it('judges nothing when the story reaches no held position', async () => {
    const { judge, seen } = setup();
    await expect(
      judge.judge('pf', { ...item, weights: new Map([['ACME', 1]]) }, 'news'),
    ).resolves.toBeUndefined();
    expect(seen).toEqual([]);
  });

  it('judges news ahead of moves; only move judgements share a kind a newer move supersedes', async () => {
    const { judge, calls, superseded } = setup();
    await judge.judge('pf', { ...item, symbols: ['KSTL'] }, 'news');
    await judge.judge('pf', { ...item, id: 'move:t1', symbols: ['KSTL'] }, 'moves');
    await judge.judge('pf', { ...item, id: 'move:t2', symbols: ['KSTL'] }, 'levels');
    expect(calls).toEqual([
      { priority: 1, kind: 'news:n1' },
      { priority: 0, kind: 'move' },
      { priority: 0, kind: 'move' },
    ]);
    judge.supersedeMoves('pf');
    expect(superseded).toEqual(['pf/move']);
  });

  it('a superseded judgement is judged as none and counted as superseded, not failed', async () => {
    const { judge, metrics } = setup({ superseded: true });
    await expect(
      judge.judge('pf', { ...item, id: 'move:t1', symbols: ['KSTL'] }, 'moves'),
    ).resolves.toBeUndefined();
    const runs = (await metrics.reasoningRuns.get()).values;
    expect(runs.map((v) => [v.labels.gate, v.labels.outcome, v.value])).toEqual([
      ['moves', 'superseded', 1],
    ]);
  });

  it('news the language model did not finish within its budget is judged by the news understanding alone', async () => {
    const { judge, metrics } = setup({ pastDeadline: true, story: true });
    const j = await judge.judge('pf', { ...item, symbols: ['KSTL'] }, 'news', {
      at: performance.now() + 300,
      budgetMs: 300,
    });
    expect(j?.judgement).toMatchObject({
      symbol: 'KSTL',
      unfinishedBudgetMs: 300,
      rawChainOfThought: null,
      // The decoder took no part in it.
      model: 'encoder@test',
    });
    expect(j?.judgement.understanding?.kind).toBe('operational_disruption');
    expect(j?.judgement.impact).not.toBe('neutral');
    const runs = (await metrics.reasoningRuns.get()).values;
    expect(runs.map((v) => [v.labels.gate, v.labels.outcome, v.value])).toEqual([
      ['news', 'past_deadline', 1],
    ]);
  });

  it('a move the language model did not finish within its budget is judged as none', async () => {
    const { judge, metrics } = setup({ pastDeadline: true });
    await expect(
      judge.judge('pf', { ...item, id: 'move:t1', symbols: ['KSTL'] }, 'moves', {
        at: performance.now() + 250,
        budgetMs: 250,
      }),
    ).resolves.toBeUndefined();
    const runs = (await metrics.reasoningRuns.get()).values;
    expect(runs.map((v) => [v.labels.gate, v.labels.outcome, v.value])).toEqual([
      ['moves', 'past_deadline', 1],
    ]);
  });
});
