import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RiskStore } from '@risk/persistence';
import { logItemsFromEvaluations } from '@risk/reasoning';
import { reasoningSteps, type ReasoningJudgement } from '@risk/scoring';
import { scratchDatabase } from './support/harness';

const judgement = (newsId: string, headline: string): ReasoningJudgement => ({
  newsId,
  headline,
  symbol: 'ACME',
  exposure: { side: 'long', quantity: 100, price: 182.4, sharePct: 7.3 },
  probabilities: { severe_negative: 0.1, negative: 0.6, neutral: 0.2, positive: 0.1 },
  impact: 'negative',
  severity: null,
  rawChainOfThought: 'Event: a cut.',
  shownChainOfThought: 'Event: a cut.',
  grounding: { checked: 1, matched: 1, corrected: 0, dropped: 0, stepsDropped: 0 },
  model: 'risk-reasoner@1.1.0',
});

/** One evaluation row; `headline` null: an evaluation that ran no language model. */
async function insertEvaluation(
  ds: DataSource,
  portfolioId: string,
  ts: string,
  headline: string | null,
): Promise<void> {
  const id = randomUUID();
  const steps = [
    { kind: 'metric', text: 'VaR 1.0% of nav', data: {} },
    ...(headline ? reasoningSteps(judgement(`n-${id.slice(0, 8)}`, headline)) : []),
  ];
  await ds.query(
    `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
     VALUES ($1::uuid, $2, $3, 'test', $1::text, 0.4, 'LOW', '{}', $4, '{}')`,
    [id, portfolioId, ts, JSON.stringify({ steps, models: {} })],
  );
}

describe('rebuilding reasoning contexts from PostgreSQL', () => {
  const db = scratchDatabase('reasoningcontext');

  it("reads each portfolio's last judged evaluations, oldest first, and turns them into its log", async () => {
    await insertEvaluation(db.ds, 'pf-a', '2026-11-30T09:00:00.000Z', 'ACME first');
    await insertEvaluation(db.ds, 'pf-a', '2026-11-30T09:01:00.000Z', null);
    await insertEvaluation(db.ds, 'pf-a', '2026-11-30T09:02:00.000Z', 'ACME second');
    await insertEvaluation(db.ds, 'pf-a', '2026-11-30T09:03:00.000Z', 'ACME third');
    await insertEvaluation(db.ds, 'pf-b', '2026-11-30T09:00:00.000Z', 'NOVA only');
    await insertEvaluation(db.ds, 'pf-c', '2026-11-30T09:00:00.000Z', null);

    const store = new RiskStore(db.ds);
    const steps = await store.recentReasoningSteps(['pf-a', 'pf-b', 'pf-c', 'pf-none'], 2);
    expect([...steps.keys()].sort()).toEqual(['pf-a', 'pf-b']);
    const log = logItemsFromEvaluations(
      steps.get('pf-a')!.map((s) => ({ steps: s })),
      2,
    );
    // The last two that ran the model, oldest first; the one without reasoning is skipped.
    expect(log.map((i) => i.headline)).toEqual(['ACME second', 'ACME third']);
    expect(log[0]).toMatchObject({
      exposure: { symbol: 'ACME', side: 'long', quantity: 100, price: 182.4, sharePct: 7.3 },
      chainOfThought: 'Event: a cut.',
      impact: 'negative',
    });
    expect(await store.recentReasoningSteps([], 2)).toEqual(new Map());
  });
});
