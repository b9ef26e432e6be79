import type { Evaluation, ExplanationStep, Instrument } from '@risk/contracts';
import { ReferenceGraph } from '../apps/risk-engine/src/state/reference-graph';
import { groupIds } from '@risk/platform';
import {
  committedOffsets,
  json,
  newsMessage,
  outboxEmpty,
  positionsMessage,
  produce,
  waitFor,
} from './support/harness';
import { instrumentMessage, relationMessage } from './support/reference-messages';
import { useRunningService } from './support/running-service';

const instrument = (symbol: string, issuer: string, type: Instrument['type'], name: string) =>
  instrumentMessage(symbol, issuer, { type, name });
const relation = relationMessage;

/**
 * A story about a company nobody holds reaches its customer's holders and the holders of a fund
 * that owns it, through the knowledge graph the engine reads from the reference topics; each
 * such evaluation says the path (docs/knowledge-graph.md § Wiring).
 */
describe('news travels along the knowledge graph', () => {
  // One partition: the news group's committed offset (committed in order, after each item's
  // effect is durable) says which items are done, though items are judged concurrently.
  const svc = useRunningService('graph', {
    partitions: 1,
    listen: false,
    read: ['evaluations'],
    env: { REASONING_ENABLED: 'false', WEBHOOK_WORKER: 'false' },
  });
  const evaluationsOf = (newsId: string) =>
    svc.readers
      .evaluations!.values<Evaluation>()
      .filter((e) => e.trigger.eventId === newsId)
      .sort((a, b) => (a.portfolioId < b.portfolioId ? -1 : 1));
  const relationOf = (e: Evaluation): ExplanationStep | undefined =>
    e.explanation.steps.find((s) => s.kind === 'relation');

  it("evaluates the customer's and the fund's holders with the path, once, and nobody else", async () => {
    await produce(svc.kafka, svc.topics.instruments, [
      json('KSTL', instrument('KSTL', 'KESTREL', 'equity', 'Kestrel Components plc')),
      json('HRGT', instrument('HRGT', 'HARROW', 'equity', 'Harrowgate Devices Inc.')),
      json('DEVX', instrument('DEVX', 'DEVX-FUND', 'etf', 'Devices Sector ETF')),
      json('ACME', instrument('ACME', 'ACME', 'equity', 'Acme Systems Inc.')),
    ]);
    await produce(svc.kafka, svc.topics.relations, [
      json('r-supply', relation('r-supply', 'KESTREL', 'HARROW', 'supplier_of', 0.4)),
      json('r-fund', relation('r-fund', 'KSTL', 'DEVX', 'constituent_of', 0.25)),
    ]);
    const graph = svc.app.get(ReferenceGraph).graph;
    await waitFor(() => graph.size.relations === 2 && graph.size.instruments === 4);

    await produce(svc.kafka, svc.topics.positions, [
      positionsMessage({
        portfolioId: 'pf-customer',
        cash: 90_000,
        positions: [{ symbol: 'HRGT', quantity: 100, price: 100 }],
      }),
      positionsMessage({
        portfolioId: 'pf-fund',
        cash: 80_000,
        positions: [{ symbol: 'DEVX', quantity: 200, price: 100 }],
      }),
      positionsMessage({
        portfolioId: 'pf-neither',
        cash: 50_000,
        positions: [{ symbol: 'ACME', quantity: 100, price: 100 }],
      }),
    ]);
    await svc.readers.evaluations!.waitForCount(3);

    const story = {
      id: 'g-1',
      ts: '2026-11-30T09:31:00.000Z',
      headline: 'Fire halts production at a key plant',
      symbols: [],
      entities: ['KESTREL'],
    };
    await produce(svc.kafka, svc.topics.news, [json(story.id, story)]);
    await waitFor(() => evaluationsOf('g-1').length === 2 || undefined);
    const [customer, fund] = evaluationsOf('g-1');
    expect(customer.portfolioId).toBe('pf-customer');
    // 10,000 of a nav of 100,000, through the 0.4 supply edge.
    expect(relationOf(customer)).toMatchObject({
      text: 'Kestrel Components supplies 40% of Harrowgate Devices; you hold Harrowgate Devices at 10% of nav',
      data: {
        symbol: 'HRGT',
        path: [{ from: 'KESTREL', kind: 'supplier_of', to: 'HARROW', weight: 0.4 }],
        pathWeight: 0.4,
        effectiveWeightOfNav: expect.closeTo(0.1 * 0.4, 12),
      },
    });
    expect(fund.portfolioId).toBe('pf-fund');
    expect(relationOf(fund)).toMatchObject({
      data: {
        symbol: 'DEVX',
        path: [{ from: 'KSTL', kind: 'constituent_of', to: 'DEVX', weight: 0.25 }],
        pathWeight: 0.25,
      },
    });

    // Kestrel named in the headline only; then the first story again (a redelivery); then a
    // story about ACME. All four items are done when the group has committed offset 4.
    await produce(svc.kafka, svc.topics.news, [
      newsMessage({
        id: 'g-2',
        ts: '2026-11-30T09:32:00.000Z',
        headline: 'Kestrel Components warns of supply delays after the fire',
        symbols: [],
      }),
      json(story.id, story),
      newsMessage({
        id: 'g-3',
        ts: '2026-11-30T09:33:00.000Z',
        headline: 'Acme Systems wins a contract',
        symbols: ['ACME'],
      }),
    ]);
    const newsGroup = groupIds(svc.config()).news;
    await waitFor(
      async () => (await committedOffsets(svc.kafka, newsGroup, svc.topics.news)) === 4,
      30_000,
      'the news group to commit all four items',
    );
    await outboxEmpty(svc.cfg.databaseUrl);
    await waitFor(
      () => (evaluationsOf('g-3').length === 1 && evaluationsOf('g-2').length === 2) || undefined,
    );
    expect(evaluationsOf('g-2').map((e) => [e.portfolioId, relationOf(e)?.data.path])).toEqual([
      ['pf-customer', [{ from: 'KESTREL', kind: 'supplier_of', to: 'HARROW', weight: 0.4 }]],
      ['pf-fund', [{ from: 'KSTL', kind: 'constituent_of', to: 'DEVX', weight: 0.25 }]],
    ]);
    // Exactly once: the re-sent story evaluated nobody again.
    expect(evaluationsOf('g-1')).toHaveLength(2);
    // The portfolio holding neither was evaluated only for its own news.
    expect(
      svc.readers
        .evaluations!.values<Evaluation>()
        .filter((e) => e.portfolioId === 'pf-neither' && e.trigger.topic === svc.topics.news)
        .map((e) => e.trigger.eventId),
    ).toEqual(['g-3']);
    expect(relationOf(evaluationsOf('g-3')[0])).toBeUndefined();
  });
});
