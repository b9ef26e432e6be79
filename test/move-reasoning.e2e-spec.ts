import { json, newsMessage, positionsMessage, produce, waitFor } from './support/harness';
import type { Evaluation } from '@risk/contracts';
import { reasoningModelEnv, useRunningService } from './support/running-service';

/**
 * Gate `moves` (on by default): a large move on a held symbol runs the reasoning model on the
 * move worded as the reasoner was trained to read it, before the portfolio is scored.
 */
describe('large price moves evaluated with the reasoning model', () => {
  const svc = useRunningService('moves', {
    listen: false,
    read: ['evaluations'],
    env: reasoningModelEnv(),
  });

  it('judges the move, explains it, counts its tokens and floors the level with it', async () => {
    await produce(svc.kafka, svc.topics.positions, [
      json('pf-m', {
        id: 'p-m',
        portfolioId: 'pf-m',
        ts: '2026-11-30T09:00:00.000Z',
        baseCurrency: 'USD',
        cash: 1_000_000,
        positions: [{ symbol: 'ACME', quantity: 2000, price: 70 }],
      }),
    ]);
    await svc.readers.evaluations!.waitForCount(1);
    // The first price has no return; the second is 6% lower 20 s later: ln(0.94) over a
    // minute's seed σ (30% a year) is about −65σ, far beyond LARGE_MOVE_SIGMA = 3.
    await produce(svc.kafka, svc.topics.ticks, [
      json('ACME', { id: 'mt-1', symbol: 'ACME', price: 70, ts: '2026-11-30T09:30:00.000Z' }),
      json('ACME', { id: 'mt-2', symbol: 'ACME', price: 65.8, ts: '2026-11-30T09:30:20.000Z' }),
    ]);
    const e = await waitFor<Evaluation>(
      () => svc.readers.evaluations!.values<Evaluation>().find((x) => x.trigger.eventId === 'mt-2'),
      60_000,
      'the evaluation of tick mt-2',
    );

    expect(e.trigger.topic).toBe(svc.topics.ticks);
    const [context] = e.explanation.steps;
    expect(context).toMatchObject({
      kind: 'metric',
      data: { tickId: 'mt-2', symbol: 'ACME', gate: 'moves' },
    });
    expect(context.data.return as number).toBeCloseTo(65.8 / 70 - 1, 12);
    expect(context.data.z as number).toBeLessThan(-3);
    expect(context.text).toContain('"ACME falls 6.0% in minutes"');

    const reasoning = e.explanation.steps.find((s) => s.kind === 'reasoning')!;
    expect(reasoning.text).toContain('news move:mt-2 "ACME falls 6.0% in minutes"');
    expect(reasoning.data).toMatchObject({
      newsId: 'move:mt-2',
      symbol: 'ACME',
      exposure: { side: 'long', quantity: 2000, price: 65.8 },
    });
    const p = reasoning.data.probabilities as Record<string, number>;
    expect(Object.values(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(e.explanation.models.reasoning).toMatch(/@/);
    expect(e.timings.newTokens).toBeGreaterThan(0);
    expect(e.timings.reasoningMs).toBeGreaterThan(0);

    // The portfolio has no news judgement: a news floor here can only come from the move's.
    // ACME is 2,000 × 65.8 = 131,600 of nav 1,131,600: 11.6% ≥ 2%, so severe negative ≥ 50% floors.
    const decision = e.explanation.steps.at(-1)!;
    expect(decision.kind).toBe('decision');
    expect(decision.data.newsFloor).toBe(p.severe_negative >= 0.5 ? 'MEDIUM' : 'LOW');
  });

  it('applies news and positions while a flush waits for its move judgement', async () => {
    const { NewsReasoningService } = await import('../apps/risk-engine/src/news-reasoning.service');
    const reasoning = svc.app.get(NewsReasoningService);
    // Our own wrapper of the real model holds pf-h's move judgement until released.
    const judge = reasoning.judge.bind(reasoning);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = false;
    reasoning.judge = async (portfolioId, input, priority) => {
      if (portfolioId === 'pf-h' && input.headline.includes('in minutes')) {
        held = true;
        await released;
      }
      return judge(portfolioId, input, priority);
    };
    try {
      const evaluations = () => svc.readers.evaluations!.values<Evaluation>();
      const of = (pid: string, eventId: string) => () =>
        evaluations().find((x) => x.portfolioId === pid && x.trigger.eventId === eventId);
      await produce(svc.kafka, svc.topics.positions, [
        positionsMessage({
          portfolioId: 'pf-h',
          id: 'p-h1',
          cash: 1_000_000,
          positions: [{ symbol: 'HOLD', quantity: 2000, price: 70 }],
        }),
        positionsMessage({
          portfolioId: 'pf-n',
          id: 'p-n1',
          cash: 1_000_000,
          positions: [{ symbol: 'BOLT', quantity: 1000, price: 40 }],
        }),
      ]);
      await waitFor(of('pf-n', 'p-n1'), 30_000, 'the snapshot evaluation of pf-n');
      await produce(svc.kafka, svc.topics.ticks, [
        json('HOLD', { id: 'ht-1', symbol: 'HOLD', price: 70, ts: '2026-11-30T10:30:00.000Z' }),
        json('HOLD', { id: 'ht-2', symbol: 'HOLD', price: 63, ts: '2026-11-30T10:30:20.000Z' }),
      ]);
      await waitFor(() => held || undefined, 30_000, 'the move judgement of ht-2 to start');

      // The flush is waiting for the model; news for another book and a new snapshot for this
      // one are evaluated meanwhile.
      await produce(svc.kafka, svc.topics.news, [
        newsMessage({
          id: 'hn-1',
          ts: '2026-11-30T10:30:30.000Z',
          headline: 'BOLT wins a large contract',
          symbols: ['BOLT'],
        }),
      ]);
      await produce(svc.kafka, svc.topics.positions, [
        positionsMessage({
          portfolioId: 'pf-h',
          id: 'p-h2',
          ts: '2026-11-30T10:30:25.000Z',
          cash: 2_000_000,
          positions: [{ symbol: 'HOLD', quantity: 1000, price: 63 }],
        }),
      ]);
      const news = await waitFor(of('pf-n', 'hn-1'), 30_000, 'the news evaluation of pf-n');
      const snapshot = await waitFor(of('pf-h', 'p-h2'), 30_000, 'the evaluation of p-h2');
      expect(news.explanation.models.reasoning).toMatch(/@/);
      expect(evaluations().some((x) => x.trigger.eventId === 'ht-2')).toBe(false);

      release();
      const move = await waitFor(of('pf-h', 'ht-2'), 60_000, 'the evaluation of tick ht-2');
      // Scored from the state the snapshot left (1,000 × 63 + 2,000,000), with the judgement.
      expect(snapshot.metrics.nav).toBeCloseTo(2_063_000, 6);
      expect(move.metrics.nav).toBeCloseTo(2_063_000, 6);
      expect(move.explanation.steps[0].data).toMatchObject({ tickId: 'ht-2', gate: 'moves' });
      expect(move.explanation.steps.some((s) => s.kind === 'reasoning')).toBe(true);
    } finally {
      reasoning.judge = judge;
      release();
    }
  });
});
