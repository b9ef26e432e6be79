import { EngineCore, type OutputTopics, type PortfolioState } from './engine-core';
import { portfolioState } from './testing/portfolio-state';

const out: OutputTopics = {
  evaluations: 'risk.evaluations',
  alerts: 'risk.alerts',
  partitionFor: () => 0,
};

const state = (
  id: string,
  positions: { symbol: string; quantity: number; price?: number }[],
  limits: Record<string, number> | null = null,
): PortfolioState => portfolioState(id, positions, { limits });

const core = () =>
  new EngineCore({ ewmaLambda: 0.94, sampleIntervalMs: 60_000, largeMoveSigma: 3 });

describe('EngineCore', () => {
  it('marks dirty only the portfolios holding a ticked symbol, with the last tick', () => {
    const c = core();
    c.install(state('a', [{ symbol: 'AAPL', quantity: 10, price: 100 }]));
    c.install(state('b', [{ symbol: 'MSFT', quantity: 10, price: 100 }]));
    c.applyTick(
      { id: 't1', symbol: 'AAPL', price: 101, ts: '2026-11-30T09:30:00.000Z' },
      Date.parse('2026-11-30T09:30:00.000Z'),
    );
    c.applyTick(
      { id: 't2', symbol: 'AAPL', price: 102, ts: '2026-11-30T09:30:01.000Z' },
      Date.parse('2026-11-30T09:30:01.000Z'),
    );
    expect(c.takeDirty()).toEqual([
      {
        portfolioId: 'a',
        tick: { id: 't2', ts: Date.parse('2026-11-30T09:30:01.000Z') },
        move: expect.objectContaining({ tickId: 't2', symbol: 'AAPL', ret: 102 / 101 - 1 }),
      },
    ]);
    expect(c.hasDirty()).toBe(false);
  });

  it("remembers each dirty portfolio's largest move since the last flush, with its return and z", () => {
    const c = core();
    c.install(state('a', [{ symbol: 'AAPL', quantity: 10, price: 100 }]));
    c.install(state('b', [{ symbol: 'MSFT', quantity: 10, price: 100 }]));
    const first = c.applyTick({ id: 't1', symbol: 'AAPL', price: 100, ts: '' }, 60_000);
    // A first price has no return: the portfolio is dirty without a move.
    expect(first.move).toBeNull();
    expect(c.takeDirty()).toEqual([
      { portfolioId: 'a', tick: { id: 't1', ts: 60_000 }, move: null },
    ]);
    const drop = c.applyTick({ id: 't2', symbol: 'AAPL', price: 94, ts: '' }, 61_000);
    c.applyTick({ id: 't3', symbol: 'AAPL', price: 94.1, ts: '' }, 62_000);
    c.applyTick({ id: 't4', symbol: 'MSFT', price: 100, ts: '' }, 62_000);
    // ln(0.94) over the seed σ of one minute of market time (30% a year; a session minute is
    // 0.75 × 60 / 23,400 = 1/520 trading day, docs/risk-methodology.md § 5a): ≈ −74.66.
    const sigma = Math.sqrt(0.3 ** 2 / (252 * 520));
    expect(drop.largeMove).toBe(true);
    expect(drop.move).toEqual({
      tickId: 't2',
      symbol: 'AAPL',
      ts: 61_000,
      ret: 94 / 100 - 1,
      z: expect.closeTo(Math.log(0.94) / sigma, 6),
      large: true,
    });
    const dirty = c.takeDirty();
    expect(dirty.find((d) => d.portfolioId === 'a')).toEqual({
      portfolioId: 'a',
      tick: { id: 't3', ts: 62_000 },
      move: drop.move,
    });
    expect(dirty.find((d) => d.portfolioId === 'b')!.move).toBeNull();
  });

  it('does not apply a stale tick and does not mark anything dirty for it', () => {
    const c = core();
    c.install(state('a', [{ symbol: 'AAPL', quantity: 10 }]));
    const t = Date.parse('2026-11-30T09:30:00.000Z');
    expect(c.applyTick({ id: 't1', symbol: 'AAPL', price: 101, ts: '' }, t).applied).toBe(true);
    c.takeDirty();
    const r = c.applyTick({ id: 't0', symbol: 'AAPL', price: 50, ts: '' }, t - 1000);
    expect(r).toMatchObject({ applied: false, stale: true });
    expect(c.hasDirty()).toBe(false);
    expect(c.book.lastPrice('AAPL')).toBe(101);
  });

  it('puts dirty entries back when a commit fails, without overwriting newer ones', () => {
    const c = core();
    c.install(state('a', [{ symbol: 'AAPL', quantity: 10 }]));
    c.applyTick({ id: 't1', symbol: 'AAPL', price: 101, ts: '' }, 1000);
    const taken = c.takeDirty();
    c.applyTick({ id: 't2', symbol: 'AAPL', price: 102, ts: '' }, 2000);
    c.restoreDirty(taken);
    expect(c.takeDirty()[0].tick.id).toBe('t2');
  });

  it('keeps the larger move when it puts a dirty entry back under a newer one', () => {
    const c = core();
    c.install(state('a', [{ symbol: 'AAPL', quantity: 10 }]));
    c.applyTick({ id: 't1', symbol: 'AAPL', price: 100, ts: '' }, 1000);
    c.applyTick({ id: 't2', symbol: 'AAPL', price: 90, ts: '' }, 2000);
    const taken = c.takeDirty();
    c.applyTick({ id: 't3', symbol: 'AAPL', price: 90.01, ts: '' }, 3000);
    c.restoreDirty(taken);
    const [d] = c.takeDirty();
    expect(d.tick.id).toBe('t3');
    expect(d.move).toMatchObject({ tickId: 't2', large: true });
    // Put back into an empty set, an entry comes back as it was.
    c.restoreDirty(taken);
    expect(c.takeDirty()).toEqual(taken);
  });

  it("floors the evaluation carrying a move judgement, without making it the portfolio's news", () => {
    const c = core();
    const s = state('a', [{ symbol: 'AAPL', quantity: 100, price: 100 }]);
    c.install(s);
    const tree = {
      modelId: 'trees@test',
      featuresVersion: 'f',
      probability: 0.01,
      expectedValue: 0.01,
      top: [],
      paths: [],
    };
    const judged = (severe: number) => ({
      judgement: {
        newsId: 'move:t2',
        headline: 'AAPL falls 10.0% in minutes',
        symbol: 'AAPL',
        exposure: { side: 'long' as const, quantity: 100, price: 90, sharePct: 8.3 },
        probabilities: {
          severe_negative: severe,
          negative: 1 - severe,
          neutral: 0,
          positive: 0,
        },
        impact: 'severe_negative' as const,
        severity: null,
        rawChainOfThought: null,
        shownChainOfThought: null,
        grounding: null,
        model: 'reasoner@test',
      },
      timings: { totalMs: 0, reasoningMs: 12, cachedTokens: 40, newTokens: 30 },
    });
    const base = {
      state: s,
      trigger: { topic: 'market.ticks', eventId: 't3' },
      ts: s.snapshot.ts,
      incidentId: 'inc',
      out,
      tree,
    };
    expect(c.evaluate(base).outcome.evaluation.level).toBe('LOW');
    const { outcome, next } = c.evaluate({ ...base, reasoning: judged(0.8) });
    const e = outcome.evaluation;
    expect(e.level).toBe('MEDIUM');
    expect(e.explanation.steps.at(-1)!.text).toContain('news move:t2 judged severe negative');
    expect(e.explanation.steps.find((x) => x.kind === 'reasoning')!.data.newsId).toBe('move:t2');
    expect(e.explanation.models.reasoning).toBe('reasoner@test');
    expect(e.timings).toMatchObject({ reasoningMs: 12, cachedTokens: 40, newTokens: 30 });
    expect(next.lastNews).toBeUndefined();
    expect(c.evaluate({ ...base, reasoning: judged(0.3) }).outcome.evaluation.level).toBe('LOW');
  });

  it('evaluates without changing state; install applies the next state', () => {
    const c = core();
    const s = state('a', [{ symbol: 'AAPL', quantity: 1200, price: 182.31 }], { maxWeight: 0.25 });
    const { outcome, next } = c.evaluate({
      state: s,
      trigger: { topic: 'portfolio.positions', eventId: 'p-a' },
      ts: s.snapshot.ts,
      incidentId: 'inc',
      out,
    });
    // 1,200 × 182.31 = 218,772; nav = 318,772; weight 68.6% > 25%: a breach, so an alert.
    expect(outcome.evaluation.metrics.nav).toBeCloseTo(318_772, 6);
    expect(outcome.alert).toMatchObject({
      portfolioId: 'a',
      previousLevel: null,
      incidentId: 'inc',
      evaluationId: outcome.evaluation.id,
    });
    expect(outcome.outbox.map((m) => m.topic)).toEqual(['risk.evaluations', 'risk.alerts']);
    expect(JSON.parse(outcome.outbox[0].payload)).toEqual(outcome.evaluation);
    // The store takes the evaluation's JSON columns from this text (it sends it once).
    expect(outcome.outbox.map((m) => m.isEvaluation === true)).toEqual([true, false]);
    expect(outcome.outbox[0].payload).toBe(JSON.stringify(outcome.evaluation));
    expect(outcome.source).toEqual({ topic: 'portfolio.positions', eventId: 'p-a', scope: 'a' });
    expect(c.portfolios.has('a')).toBe(false);
    c.install(next);
    expect(c.portfolios.get('a')).toMatchObject({
      lastLevel: outcome.evaluation.level,
      breaches: ['maxWeight'],
    });
    // Same level and the same breach again: no new alert.
    const again = c.evaluate({
      state: c.portfolios.get('a')!,
      trigger: { topic: 'news.events', eventId: 'n-1' },
      ts: s.snapshot.ts,
      incidentId: 'inc2',
      out,
    });
    expect(again.outcome.alert).toBeNull();
  });

  it('indexes holdings from the snapshot: a state with the same snapshot keeps them, a new one replaces them', () => {
    const c = core();
    const first = state('a', [
      { symbol: 'AAPL', quantity: 10, price: 100 },
      { symbol: 'MSFT', quantity: 0, price: 100 },
    ]);
    c.install(first);
    c.install({ ...first, lastLevel: 'HIGH' });
    expect(c.holdersOf(['AAPL', 'MSFT'])).toEqual(['a']);
    expect(c.holdings.portfoliosHolding('MSFT').size).toBe(0);
    c.install(state('a', [{ symbol: 'MSFT', quantity: 5, price: 100 }]));
    expect([...c.holdings.portfoliosHolding('AAPL')]).toEqual([]);
    expect([...c.holdings.portfoliosHolding('MSFT')]).toEqual(['a']);
    c.drop('a');
    c.install({ ...first, lastLevel: 'LOW' });
    expect([...c.holdings.portfoliosHolding('AAPL')]).toEqual(['a']);
  });

  it('takes dirty portfolios in the order a flush last took them, the longest waiting first', () => {
    const c = core();
    for (const id of ['a', 'b', 'c'])
      c.install(state(id, [{ symbol: id.toUpperCase(), quantity: 10, price: 100 }]));
    let n = 0;
    const tick = (symbol: string) =>
      c.applyTick(
        {
          id: `t${++n}`,
          symbol,
          price: 100 + n,
          ts: new Date(1_800_000_000_000 + n).toISOString(),
        },
        1_800_000_000_000 + n,
      );
    tick('B');
    tick('A');
    expect(c.takeDirty().map((d) => d.portfolioId)).toEqual(['b', 'a']);
    // Whichever ticks first now, b (taken first last time) comes first again; c, never taken,
    // before both.
    tick('A');
    tick('C');
    tick('B');
    expect(c.takeDirty().map((d) => d.portfolioId)).toEqual(['c', 'b', 'a']);
    tick('A');
    tick('B');
    expect(c.takeDirty().map((d) => d.portfolioId)).toEqual(['b', 'a']);
  });

  it('a dirty entry taken is not changed by later ticks', () => {
    const c = core();
    c.install(state('a', [{ symbol: 'AAPL', quantity: 10, price: 100 }]));
    const tick = (id: string, price: number, ts: string) =>
      c.applyTick({ id, symbol: 'AAPL', price, ts }, Date.parse(ts));
    tick('t1', 101, '2026-11-30T09:30:00.000Z');
    tick('t2', 102, '2026-11-30T09:30:01.000Z');
    const [taken] = c.takeDirty();
    tick('t3', 103, '2026-11-30T09:30:02.000Z');
    expect(taken.tick.id).toBe('t2');
    expect(taken.move?.tickId).toBe('t2');
    c.restoreDirty([taken]);
    expect(c.takeDirty().map((d) => d.tick.id)).toEqual(['t3']);
  });

  it('lists the owned holders of news symbols, sorted and unique', () => {
    const c = core();
    c.install(
      state('b', [
        { symbol: 'ACME', quantity: -300 },
        { symbol: 'AAPL', quantity: 1 },
      ]),
    );
    c.install(state('a', [{ symbol: 'ACME', quantity: 5 }]));
    expect(c.holdersOf(['ACME', 'AAPL', 'ZZZ'])).toEqual(['a', 'b']);
    c.drop('b');
    expect(c.holdersOf(['ACME', 'AAPL'])).toEqual(['a']);
  });

  it('restores its instrument book from a snapshot exactly', () => {
    const c = core();
    for (let i = 0; i < 200; i++)
      c.applyTick(
        { id: `t${i}`, symbol: i % 2 ? 'A' : 'B', price: 100 + Math.sin(i), ts: '' },
        i * 10_000,
      );
    const restored = new EngineCore(
      { ewmaLambda: 0.94, sampleIntervalMs: 60_000, largeMoveSigma: 3 },
      c.book.toSnapshot(),
    );
    expect(restored.book.covarianceDay('A', 'B')).toBe(c.book.covarianceDay('A', 'B'));
    expect(restored.book.lastPrice('A')).toBe(c.book.lastPrice('A'));
  });

  it('gives a story reaching through the graph the effective exposure: share of nav × path weight', () => {
    const c = core();
    c.install(
      state('a', [
        { symbol: 'HRGT', quantity: 100, price: 100 },
        { symbol: 'DEVX', quantity: -400, price: 50 },
      ]),
    );
    // nav = 100,000 + 10,000 − 20,000 = 90,000: HRGT 11.11% long, DEVX 22.22% short.
    expect(c.weightOfNav('a', 'HRGT')).toBeCloseTo(10_000 / 90_000, 12);
    expect(c.weightOfNav('a', 'DEVX')).toBeCloseTo(-20_000 / 90_000, 12);
    expect(c.weightOfNav('a', 'ACME')).toBeUndefined();
    // Through a 0.4 supply edge and a 0.1 fund weight: 4.44% beats 2.22%.
    const e = c.effectiveExposures(
      'a',
      new Map([
        ['DEVX', 0.1],
        ['HRGT', 0.4],
        ['ACME', 1],
      ]),
    );
    expect(e.map((x) => [x.symbol, x.side, x.quantity])).toEqual([
      ['HRGT', 'long', 100],
      ['DEVX', 'short', 400],
    ]);
    expect(e[0].sharePct).toBeCloseTo((10_000 / 90_000) * 100 * 0.4, 9);
    expect(e[1].sharePct).toBeCloseTo((20_000 / 90_000) * 100 * 0.1, 9);
  });
});
