import { EngineCore, type OutputTopics, type PortfolioState } from './engine-core';

const out: OutputTopics = {
  evaluations: 'risk.evaluations',
  alerts: 'risk.alerts',
  partitionFor: () => 0,
};

function state(
  id: string,
  positions: { symbol: string; quantity: number; price?: number }[],
  limits: Record<string, number> | null = null,
): PortfolioState {
  return {
    id,
    snapshot: {
      id: `snap-${id}`,
      portfolioId: id,
      sourceTopic: 'portfolio.positions',
      sourceId: `p-${id}`,
      ts: '2026-11-30T09:00:00.000Z',
      baseCurrency: 'USD',
      cash: 100_000,
      positions,
      limits,
    },
    peakNav: null,
    lastLevel: null,
    breaches: [],
  };
}

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
      { portfolioId: 'a', tick: { id: 't2', ts: Date.parse('2026-11-30T09:30:01.000Z') } },
    ]);
    expect(c.hasDirty()).toBe(false);
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
});
