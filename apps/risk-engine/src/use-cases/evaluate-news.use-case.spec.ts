import type { NewsEvent } from '@risk/contracts';
import { RecentNews, type JudgeGate, type JudgeItem } from '@risk/engine';
import type { AppConfig } from '@risk/platform';
import { Judge, type Deadline } from '../ports/judge';
import { EngineLock } from '../state/engine-lock';
import type { FuzzyLinking } from '../state/fuzzy-linking';
import { ReferenceGraph } from '../state/reference-graph';
import type { PositionsWatermark } from '../state/positions-watermark';
import {
  TOPICS,
  config,
  evaluationsTakingAll,
  instrumentUpsert,
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

const TS = '2026-11-30T09:00:00.000Z';

/** Kestrel supplies 40% of Harrowgate; Kestrel's equity is 20% of the TECHX fund. */
function kestrelGraph(): ReferenceGraph {
  const reference = new ReferenceGraph();
  const instrument = (symbol: string, issuer: string, type: 'equity' | 'etf', name: string) =>
    instrumentUpsert(symbol, issuer, name, type, TS);
  const relation = (
    id: string,
    from: string,
    to: string,
    kind: 'supplier_of' | 'constituent_of',
    weight: number,
  ) => ({
    kind: 'relation' as const,
    op: 'upsert' as const,
    key: id,
    value: { id, ts: TS, from, to, kind, weight },
  });
  reference.apply([
    instrument('KSTL', 'KESTREL', 'equity', 'Kestrel Components plc'),
    instrument('HRGT', 'HARROW', 'equity', 'Harrowgate Devices Inc.'),
    instrument('TECHX', 'TECHX-FUND', 'etf', 'Tech Select ETF'),
    relation('r1', 'KESTREL', 'HARROW', 'supplier_of', 0.4),
    relation('r2', 'KSTL', 'TECHX', 'constituent_of', 0.2),
  ]);
  return reference;
}

function setup(
  opts: {
    evaluated?: string[];
    newsGate?: boolean;
    caughtUp?: boolean;
    settings?: Partial<AppConfig>;
    fuzzy?: (n: NewsEvent) => string[];
  } = {},
) {
  const core = newCore();
  core.install(portfolio('pf-a', [{ symbol: 'AAPL', quantity: 100, price: 100 }]));
  core.install(portfolio('pf-b', [{ symbol: 'AAPL', quantity: 50, price: 100 }]));
  core.install(portfolio('pf-c', [{ symbol: 'MSFT', quantity: 10, price: 100 }]));
  const lock = new EngineLock();
  const recentNews = new RecentNews(10, 0);
  const evaluations = evaluationsTakingAll(opts.evaluated);
  const rep = reporter();
  const m = metrics();
  const judge = jest.fn(
    async (_pid: string, item: JudgeItem, _gate: JudgeGate, _deadline?: Deadline) =>
      judged(item.id, item.symbols[0], 0.3),
  );
  const caughtUp = jest.fn(async () => opts.caughtUp ?? true);
  const found = new Map<string, string[]>();
  const fuzzyIssuersIn = jest.fn(async (n: NewsEvent) => {
    const issuers = opts.fuzzy?.(n) ?? [];
    found.set(n.id, issuers);
    return issuers;
  });
  const useCase = new EvaluateNewsUseCase(
    config({ news: opts.newsGate ?? true }, opts.settings),
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
    kestrelGraph(),
    strictMock<FuzzyLinking>('fuzzy', {
      issuersIn: fuzzyIssuersIn,
      cached: (id: string) => found.get(id) ?? [],
    }),
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

  it("gives the model until REASONING_NEWS_BUDGET_MS after the item's arrival, the same for every holder", async () => {
    const { judge, useCase } = setup({ settings: { reasoningNewsBudgetMs: 300 } });
    const before = performance.now();
    await useCase.evaluate(news('n1', ['AAPL']), TOPICS.news);
    const deadlines = judge.mock.calls.map((c) => c[3]);
    expect(deadlines).toHaveLength(2);
    expect(deadlines[0]).toEqual(deadlines[1]);
    expect(deadlines[0]?.budgetMs).toBe(300);
    expect(deadlines[0]!.at).toBeGreaterThanOrEqual(before + 300);
    expect(deadlines[0]!.at).toBeLessThanOrEqual(performance.now() + 300);
    // Budget 0: the model is waited for.
    const waited = setup({ settings: { reasoningNewsBudgetMs: 0 } });
    await waited.useCase.evaluate(news('n1', ['AAPL']), TOPICS.news);
    expect(waited.judge.mock.calls.map((c) => c[3])).toEqual([undefined, undefined]);
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

  describe('through the knowledge graph', () => {
    function withGraphHolders(opts: Parameters<typeof setup>[0] = {}) {
      const t = setup(opts);
      t.core.install(portfolio('pf-d', [{ symbol: 'HRGT', quantity: 10, price: 100 }]));
      t.core.install(portfolio('pf-e', [{ symbol: 'TECHX', quantity: 10, price: 100 }]));
      return t;
    }

    it("reaches a supplier's customer and a fund holding it, with the path and the effective exposure", async () => {
      const { evaluations, judge, useCase } = withGraphHolders();
      const n = { ...news('n3', []), headline: 'Fire halts a key plant', entities: ['KESTREL'] };
      await expect(useCase.evaluate(n, TOPICS.news)).resolves.toBe(2);

      const weights = new Map(judge.mock.calls.map(([pid, item]) => [pid, item.weights]));
      expect(weights).toEqual(
        new Map([
          ['pf-d', new Map([['HRGT', 0.4]])],
          ['pf-e', new Map([['TECHX', 0.2]])],
        ]),
      );
      const [outcomes] = evaluations.commit.mock.calls[0];
      expect(outcomes.map((o) => o.evaluation.portfolioId)).toEqual(['pf-d', 'pf-e']);
      const [d, e] = outcomes.map((o) => o.evaluation.explanation.steps);
      expect(d[0].text).toBe('news n3: "Fire halts a key plant"');
      expect(d[1]).toMatchObject({
        kind: 'relation',
        text: 'Kestrel Components supplies 40% of Harrowgate Devices; you hold Harrowgate Devices at 0.99% of nav',
        data: {
          symbol: 'HRGT',
          path: [{ from: 'KESTREL', kind: 'supplier_of', to: 'HARROW', weight: 0.4 }],
          pathWeight: 0.4,
          // 10 × 100 of a nav of 100,000 cash + 1,000, through a 0.4 edge.
          effectiveWeightOfNav: expect.closeTo((1_000 / 101_000) * 0.4, 12),
        },
      });
      expect(e[1]).toMatchObject({
        kind: 'relation',
        data: { path: [{ from: 'KSTL', kind: 'constituent_of', to: 'TECHX', weight: 0.2 }] },
      });
    });

    it('finds a company named only in the headline', async () => {
      const { evaluations, useCase } = withGraphHolders();
      const n = { ...news('n4', []), headline: 'Fire at a Kestrel Components plant' };
      await expect(useCase.evaluate(n, TOPICS.news)).resolves.toBe(2);
      const [outcomes] = evaluations.commit.mock.calls[0];
      expect(outcomes.map((o) => o.evaluation.portfolioId)).toEqual(['pf-d', 'pf-e']);
    });

    it('reaches the holders of a company only the encoder stage finds, before the lock', async () => {
      const t = withGraphHolders({
        fuzzy: (n) => (n.headline.includes('Kestral') ? ['KESTREL'] : []),
      });
      const n = { ...news('n5', []), headline: 'Fire at a Kestral Components plant' };
      await expect(t.useCase.evaluate(n, TOPICS.news)).resolves.toBe(2);
      const [outcomes] = t.evaluations.commit.mock.calls[0];
      expect(outcomes.map((o) => o.evaluation.portfolioId)).toEqual(['pf-d', 'pf-e']);
      // A rebalance's replay finds the same holders from what the stage found.
      expect(t.useCase.holdersOf(n)).toEqual(['pf-d', 'pf-e']);
      expect(t.useCase.holdersOf({ ...n, id: 'other' })).toEqual([]);
    });

    it('commits in batches, freeing the lock between them', async () => {
      const t = setup({ settings: { newsBatchPortfolios: 1 } });
      await expect(t.useCase.evaluate(news('n1', ['AAPL']), TOPICS.news)).resolves.toBe(2);
      expect(
        t.evaluations.commit.mock.calls.map(([o]) => o.map((x) => x.evaluation.portfolioId)),
      ).toEqual([['pf-a'], ['pf-b']]);
    });

    /** What the use case did, in order: judgements and commits (one entry per transaction). */
    function recorded(t: ReturnType<typeof setup>): string[] {
      const events: string[] = [];
      t.judge.mockImplementation(async (pid, item) => {
        events.push(`judge ${pid}`);
        return judged(item.id, item.symbols[0], 0.3);
      });
      t.evaluations.commit.mockImplementation(async (outcomes) => {
        events.push(`commit ${outcomes.map((o) => o.evaluation.portfolioId).join(',')}`);
        return { committed: outcomes, snapshotApplied: true };
      });
      return events;
    }

    it('scores a wave batch by batch, then commits it, a batch per transaction', async () => {
      const t = setup({ settings: { newsBatchPortfolios: 1, newsWaveMs: 60_000 } });
      const events = recorded(t);
      await expect(t.useCase.evaluate(news('n1', ['AAPL']), TOPICS.news)).resolves.toBe(2);
      expect(events).toEqual(['judge pf-a', 'judge pf-b', 'commit pf-a', 'commit pf-b']);
    });

    it("spreads a wave's strongest holders over its transactions", async () => {
      const t = setup({ settings: { newsBatchPortfolios: 2, newsWaveMs: 60_000 } });
      t.core.install(portfolio('pf-x', [{ symbol: 'AAPL', quantity: 75, price: 100 }]));
      const events = recorded(t);
      await expect(t.useCase.evaluate(news('n1', ['AAPL']), TOPICS.news)).resolves.toBe(3);
      // By strength pf-a (100), pf-x (75), pf-b (50): two transactions, every second one each.
      expect(events.filter((e) => e.startsWith('commit'))).toEqual([
        'commit pf-a,pf-b',
        'commit pf-x',
      ]);
    });

    it('with NEWS_WAVE_MS 0 commits each batch as soon as it is scored', async () => {
      const t = setup({ settings: { newsBatchPortfolios: 1, newsWaveMs: 0 } });
      const events = recorded(t);
      await expect(t.useCase.evaluate(news('n1', ['AAPL']), TOPICS.news)).resolves.toBe(2);
      expect(events).toEqual(['judge pf-a', 'commit pf-a', 'judge pf-b', 'commit pf-b']);
    });

    it('scores again a holder whose state changed between its scoring and the commit', async () => {
      const t = setup({ settings: { newsBatchPortfolios: 1, newsWaveMs: 60_000 } });
      const events = recorded(t);
      const rebalanced = portfolio('pf-a', [{ symbol: 'AAPL', quantity: 300, price: 100 }]);
      t.judge.mockImplementation(async (pid, item) => {
        events.push(`judge ${pid}`);
        // pf-a is scored (batch 1); a snapshot replaces it before the wave commits.
        if (pid === 'pf-b') t.core.install(rebalanced);
        return judged(item.id, item.symbols[0], 0.3);
      });
      await expect(t.useCase.evaluate(news('n1', ['AAPL']), TOPICS.news)).resolves.toBe(2);
      expect(events).toEqual(['judge pf-a', 'judge pf-b', 'commit pf-a', 'commit pf-b']);
      const [outcomes] = t.evaluations.commit.mock.calls[0];
      expect(outcomes[0].closing.positions).toEqual([
        expect.objectContaining({ symbol: 'AAPL', quantity: 300 }),
      ]);
      // The new snapshot stays, with the story remembered.
      const after = t.core.portfolios.get('pf-a')!;
      expect(after.snapshot).toBe(rebalanced.snapshot);
      expect(after.lastNews?.newsId).toBe('n1');
    });

    it('commits a one-batch story 32 holders per transaction, strongest first', async () => {
      const t = setup();
      // 40 holders of AAPL, the larger share of nav first (pf-a and pf-b hold it too).
      for (let i = 0; i < 40; i++)
        t.core.install(
          portfolio(`pf-h${String(i).padStart(2, '0')}`, [
            { symbol: 'AAPL', quantity: 100 - i, price: 100 },
            { symbol: 'MSFT', quantity: 100, price: 100 },
          ]),
        );
      await expect(t.useCase.evaluate(news('n1', ['AAPL']), TOPICS.news)).resolves.toBe(42);
      const parts = t.evaluations.commit.mock.calls.map(([o]) =>
        o.map((x) => x.evaluation.portfolioId),
      );
      expect(parts.map((p) => p.length)).toEqual([32, 10]);
      // The first transaction takes the strongest exposures.
      const weight = (pid: string) => t.core.weightOfNav(pid, 'AAPL') ?? 0;
      const weakestFirst = Math.min(...parts[0].map(weight));
      expect(Math.max(...parts[1].map(weight))).toBeLessThanOrEqual(weakestFirst);
      expect(parts[0]).toContain('pf-h00');
      expect(parts[1]).toContain('pf-h39');
    });

    it('scores a wave 32 holders per turn and commits it at most 32 per transaction', async () => {
      const t = setup({ settings: { newsBatchPortfolios: 40 } });
      for (let i = 0; i < 98; i++)
        t.core.install(portfolio(`pf-w${i}`, [{ symbol: 'AAPL', quantity: 10 + i, price: 100 }]));
      const turns = jest.spyOn(t.lock, 'run');
      await expect(t.useCase.evaluate(news('n1', ['AAPL']), TOPICS.news)).resolves.toBe(100);
      const sizes = t.evaluations.commit.mock.calls.map(([o]) => o.length);
      expect(sizes).toEqual([25, 25, 25, 25]);
      // Holders found in one turn; batches of 40, 40, 20 scored in turns of 32, 8, 32, 8, 20;
      // four commit turns.
      expect(turns).toHaveBeenCalledTimes(1 + 5 + 4);
    });

    it('caps the portfolios one story reaches, strongest exposure first', async () => {
      const t = setup({ settings: { newsMaxPortfolios: 1 } });
      t.core.install(
        portfolio('pf-a', [
          { symbol: 'AAPL', quantity: 1, price: 100 },
          { symbol: 'MSFT', quantity: 99, price: 100 },
        ]),
      );
      await expect(t.useCase.evaluate(news('n1', ['AAPL']), TOPICS.news)).resolves.toBe(1);
      const [outcomes] = t.evaluations.commit.mock.calls[0];
      expect(outcomes.map((o) => o.evaluation.portfolioId)).toEqual(['pf-b']);
    });
  });
});
