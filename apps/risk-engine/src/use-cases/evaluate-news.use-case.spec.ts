import { RecentNews, type JudgeGate, type JudgeItem } from '@risk/engine';
import { Judge } from '../ports/judge';
import { EngineLock } from '../state/engine-lock';
import type { PositionsWatermark } from '../state/positions-watermark';
import {
  TOPICS,
  config,
  evaluationsTakingAll,
  judged,
  layout,
  metrics,
  news,
  newCore,
  portfolio,
  reporter,
  scorerOn,
} from '../testing/engine-fixtures';
import { strictMock } from '../testing/strict-mock';
import { EvaluateNewsUseCase } from './evaluate-news.use-case';

function setup(opts: { evaluated?: string[]; newsGate?: boolean; caughtUp?: boolean } = {}) {
  const core = newCore();
  core.install(portfolio('pf-a', [{ symbol: 'AAPL', quantity: 100, price: 100 }]));
  core.install(portfolio('pf-b', [{ symbol: 'AAPL', quantity: 50, price: 100 }]));
  core.install(portfolio('pf-c', [{ symbol: 'MSFT', quantity: 10, price: 100 }]));
  const lock = new EngineLock();
  const recentNews = new RecentNews(10, 0);
  const evaluations = evaluationsTakingAll(opts.evaluated);
  const rep = reporter();
  const m = metrics();
  const judge = jest.fn(async (_pid: string, item: JudgeItem, _gate: JudgeGate) =>
    judged(item.id, item.symbols[0], 0.3),
  );
  const caughtUp = jest.fn(async () => opts.caughtUp ?? true);
  const useCase = new EvaluateNewsUseCase(
    config({ news: opts.newsGate ?? true }),
    m,
    core,
    lock,
    recentNews,
    layout(),
    strictMock<PositionsWatermark>('watermark', { caughtUp }),
    strictMock<Judge>('judge', { judge }),
    scorerOn(core),
    evaluations.repo,
    rep.committed,
  );
  return { core, lock, recentNews, evaluations, rep, m, judge, caughtUp, useCase };
}

describe('EvaluateNewsUseCase', () => {
  it('evaluates the holders the ledger has not seen, each with its judgement, and remembers it', async () => {
    const { core, recentNews, evaluations, judge, rep, useCase } = setup({ evaluated: ['pf-b'] });
    const n = news('n1', ['AAPL']);
    await expect(useCase.execute(n, TOPICS.news, async () => {})).resolves.toBe(true);

    expect(evaluations.evaluatedScopes).toHaveBeenCalledWith(TOPICS.news, 'n1', ['pf-a', 'pf-b']);
    expect(judge.mock.calls.map(([pid, item, gate]) => [pid, item.id, gate])).toEqual([
      ['pf-a', 'n1', 'news'],
    ]);
    const [outcomes] = evaluations.commit.mock.calls[0];
    expect(outcomes.map((o) => [o.evaluation.portfolioId, o.source])).toEqual([
      ['pf-a', { topic: TOPICS.news, eventId: 'n1', scope: 'pf-a' }],
    ]);
    expect(outcomes[0].evaluation.explanation.steps[0].text).toBe(
      'news n1 about AAPL: "AAPL issues a profit warning"',
    );
    expect(outcomes[0].evaluation.explanation.models.reasoning).toBe('reasoner@test');
    expect(core.portfolios.get('pf-a')?.lastNews).toMatchObject({
      newsId: 'n1',
      pSevereNegative: 0.3,
      sharePct: 10,
    });
    expect(core.portfolios.get('pf-b')?.lastNews).toBeUndefined();
    expect(recentNews.list().map((i) => i.news.id)).toEqual(['n1']);
    expect(rep.report).toHaveBeenCalledWith(outcomes, 'news', expect.any(Number));
  });

  it('runs the model outside the engine lock', async () => {
    const { lock, judge, useCase } = setup();
    const lockFree: boolean[] = [];
    judge.mockImplementation(async (_pid, item) => {
      // Inside the lock this would wait for the lock's holder: the use case itself.
      const free = await Promise.race([
        lock.run(async () => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 200)),
      ]);
      lockFree.push(free);
      return judged(item.id, 'AAPL');
    });
    await useCase.evaluate(news('n1', ['AAPL']), TOPICS.news);
    expect(lockFree).toEqual([true, true]);
  });

  it('does not call the model with the news gate closed', async () => {
    const { evaluations, judge, useCase } = setup({ newsGate: false });
    await useCase.evaluate(news('n1', ['AAPL']), TOPICS.news);
    expect(judge).not.toHaveBeenCalled();
    const [outcomes] = evaluations.commit.mock.calls[0];
    expect(outcomes.map((o) => o.evaluation.portfolioId)).toEqual(['pf-a', 'pf-b']);
    expect(outcomes[0].evaluation.explanation.models.reasoning).toBeUndefined();
  });

  it('counts an item nobody holds, and commits nothing', async () => {
    const { evaluations, m, useCase } = setup();
    await expect(useCase.evaluate(news('n1', ['TSLA']), TOPICS.news)).resolves.toBe(0);
    expect(evaluations.commit).not.toHaveBeenCalled();
    const counted = await m.messages.get();
    expect(counted.values).toContainEqual(
      expect.objectContaining({ labels: { kind: 'news', outcome: 'not_held' }, value: 1 }),
    );
  });

  it('leaves the item uncommitted when the engine stops before positions are applied', async () => {
    const { evaluations, judge, useCase } = setup({ caughtUp: false });
    await expect(useCase.execute(news('n1', ['AAPL']), TOPICS.news, async () => {})).resolves.toBe(
      false,
    );
    expect(judge).not.toHaveBeenCalled();
    expect(evaluations.commit).not.toHaveBeenCalled();
  });

  it('a replayed older item evaluates only the given portfolios and keeps their newer news', async () => {
    const { core, recentNews, useCase, m } = setup();
    await useCase.evaluate(news('n2', ['AAPL'], '2026-11-30T10:00:00.000Z'), TOPICS.news);
    const evaluated = await useCase.evaluate(
      news('n1', ['AAPL'], '2026-11-30T09:00:00.000Z'),
      TOPICS.news,
      new Set(['pf-a']),
    );
    expect(evaluated).toBe(1);
    expect(core.portfolios.get('pf-a')?.lastNews?.newsId).toBe('n2');
    // A replay is not a pass: the ring keeps what was passed live only.
    expect(recentNews.list().map((i) => i.news.id)).toEqual(['n2']);
    const counted = await m.messages.get();
    expect(counted.values).toContainEqual(
      expect.objectContaining({ labels: { kind: 'news', outcome: 'replayed' }, value: 1 }),
    );
  });

  it('skips a holder a rebalance took away while the model ran', async () => {
    const { core, evaluations, judge, useCase } = setup();
    judge.mockImplementation(async (pid, item) => {
      if (pid === 'pf-b') core.drop('pf-b');
      return judged(item.id, 'AAPL');
    });
    await expect(useCase.evaluate(news('n1', ['AAPL']), TOPICS.news)).resolves.toBe(1);
    const [outcomes] = evaluations.commit.mock.calls[0];
    expect(outcomes.map((o) => o.evaluation.portfolioId)).toEqual(['pf-a']);
  });
});
