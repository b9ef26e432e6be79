import { newsMessage, positionsMessage, produce, waitFor } from './support/harness';
import type { Evaluation } from '@risk/contracts';
import { mergeLogits, type MergeLogit } from '@risk/scoring';
import { reasoningModelEnv, useRunningService } from './support/running-service';

/**
 * News about a held symbol runs the reasoning model (the shipped one by default) on the
 * portfolio's cached context: the second item reuses the first one's tokens.
 */
describe('news evaluated with the reasoning model', () => {
  const svc = useRunningService('reasoning', {
    listen: false,
    read: ['evaluations'],
    env: reasoningModelEnv(),
  });

  /**
   * Publishes a news item about `symbol` at 09:`minute` and waits for its evaluation: one item at
   * a time, since items on different partitions may be consumed in either order.
   */
  const newsEvaluated = async (
    id: string,
    minute: number,
    headline: string,
    symbol: string,
  ): Promise<Evaluation> => {
    await produce(svc.kafka, svc.topics.news, [
      newsMessage({ id, ts: `2026-11-30T09:${minute}:00.000Z`, headline, symbols: [symbol] }),
    ]);
    return waitFor<Evaluation>(() =>
      svc.readers.evaluations!.values<Evaluation>().find((e) => e.trigger.eventId === id),
    );
  };

  it('adds reasoning steps, the model name and token timings, reusing the cached context', async () => {
    await produce(svc.kafka, svc.topics.positions, [
      positionsMessage({
        id: 'p-r',
        portfolioId: 'pf-r',
        cash: 1_000_000,
        positions: [
          { symbol: 'ACME', quantity: -300, price: 70 },
          { symbol: 'BOLT', quantity: 2000, price: 25 },
        ],
      }),
    ]);
    await svc.readers.evaluations!.waitForCount(1);
    const first = await newsEvaluated('n-1', 31, 'SEC opens probe into ACME accounting', 'ACME');
    const second = await newsEvaluated('n-2', 32, 'BOLT beats earnings estimates', 'BOLT');

    const { NewsReasoningService } = await import('../apps/risk-engine/src/news-reasoning.service');
    const reasoningService = svc.app.get(NewsReasoningService);
    expect({ model: reasoningService.modelId, why: reasoningService.unavailableReason }).toEqual({
      model: expect.stringMatching(/@/),
      why: null,
    });
    for (const e of [first, second]) {
      expect(e.explanation.models.reasoning).toMatch(/@/);
      const reasoning = e.explanation.steps.filter((s) => s.kind === 'reasoning');
      expect(reasoning.length).toBeGreaterThanOrEqual(1);
      const p = reasoning[0].data.probabilities as Record<string, number>;
      expect(Object.values(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(e.timings.reasoningMs).toBeGreaterThan(0);
      expect(e.timings.newTokens).toBeGreaterThan(0);
      // One chain: metric and limit steps, reasoning, trees, the decision.
      const kinds = e.explanation.steps.map((s) => s.kind);
      expect(kinds.lastIndexOf('limit')).toBeLessThan(kinds.indexOf('reasoning'));
      expect(kinds.lastIndexOf('reasoning')).toBeLessThan(kinds.indexOf('tree'));
      expect(kinds.at(-1)).toBe('decision');
      expect(e.explanation.models).toMatchObject({ tree: 'risk-trees@3', merge: 'merge@3' });
      const tree = e.explanation.steps.find((s) => s.kind === 'tree')!;
      // The trees saw this news: the judgement probabilities are features of this evaluation.
      expect(tree.data.probability).toBeGreaterThan(0);
      expect(
        e.explanation.steps.some((s) => s.kind === 'limit' && /^distance to limits, /.test(s.text)),
      ).toBe(true);
      // The merge weighed this judgement: its four probabilities in the jump-diffusion terms,
      // and the score is the logistic merge of the trees' and the jump-diffusion probability.
      const decision = e.explanation.steps.at(-1)!;
      const jump = decision.data.jump as { impact: string; probability: number }[];
      expect(jump.map((t) => [t.impact, t.probability])).toEqual([
        ['severe_negative', expect.closeTo(p.severe_negative, 9)],
        ['negative', expect.closeTo(p.negative, 9)],
        ['neutral', expect.closeTo(p.neutral, 6)],
        ['positive', expect.closeTo(p.positive, 9)],
      ]);
      expect(decision.text).toMatch(/news on \d+\.\d\d% of nav: jump-diffusion = /);
      const merged = mergeLogits(
        decision.data.treeProbability as number,
        decision.data.jumpProbability as number,
        decision.data.logit as MergeLogit,
      );
      expect(e.score).toBe(Math.round(merged * 10_000) / 10_000);
    }
    // ACME is short 300 × 70 = 21,000 of nav 1,000,000 − 21,000 + 50,000 = 1,029,000: 2.04%.
    const exposure = first.explanation.steps.find((s) => s.kind === 'reasoning')!.data
      .exposure as Record<string, number | string>;
    expect(exposure).toMatchObject({ side: 'short', quantity: 300, price: 70 });
    expect(exposure.sharePct as number).toBeCloseTo((21_000 / 1_029_000) * 100, 9);
    // The first item reuses at most the shared system prompt's K/V (the snapshot line is new);
    // the second costs only its own tokens: system prompt, snapshot and first item are cached.
    expect(first.timings.cachedTokens).toBeLessThan(40);
    expect(second.timings.cachedTokens).toBeGreaterThan(first.timings.cachedTokens + 50);
  });

  it('evaluates news without reasoning when the model call fails, and goes on', async () => {
    const { NewsReasoningService } = await import('../apps/risk-engine/src/news-reasoning.service');
    const reasoningService = svc.app.get(NewsReasoningService);
    // A fault injected into our own wrapper of the real model: the next call throws.
    const judge = reasoningService.judge.bind(reasoningService);
    reasoningService.judge = () => {
      reasoningService.judge = judge;
      return Promise.reject(new Error('injected model failure'));
    };
    const failed = await newsEvaluated('n-3', 33, 'BOLT recalls its flagship product', 'BOLT');
    expect(failed.explanation.steps.some((s) => s.kind === 'reasoning')).toBe(false);
    expect(failed.explanation.models.reasoning).toBeUndefined();
    expect(failed.explanation.steps.at(-1)!.kind).toBe('decision');
    // The next item is judged again: the failure blocked nothing.
    const next = await newsEvaluated('n-4', 34, 'BOLT wins a large contract', 'BOLT');
    expect(next.explanation.models.reasoning).toMatch(/@/);
  });
});
