import { startService } from '../apps/all/src/start-service';
import { newsMessage, positionsMessage, produce, query, waitFor } from './support/harness';
import { useTestEnvironment } from './support/running-service';

/**
 * A news item read while the positions backlog is still being applied (the bench:ingest hang):
 * its holder's snapshot was published before the item, so the item is evaluated for it.
 */
describe('news behind a positions backlog', () => {
  const env = useTestEnvironment('news-backlog');

  const snapshot = (pid: string, i: number, symbol: string) =>
    positionsMessage({
      portfolioId: pid,
      id: `snap-${pid}-${i}`,
      ts: new Date(Date.parse('2026-11-30T09:00:00.000Z') + i * 1000).toISOString(),
      cash: 1e6,
      positions: [{ symbol, quantity: 100, price: 100 }],
    });

  it('evaluates a news item for a holder whose snapshot was still in the backlog', async () => {
    // pf-late holds LATE only from its 40th snapshot on; other portfolios fill the backlog.
    const backlog = [];
    for (let i = 0; i < 40; i++) {
      backlog.push(snapshot(`pf-other-${i}`, 0, `OTHER${i}`));
      backlog.push(snapshot('pf-late', i, i < 39 ? `EARLY${i}` : 'LATE'));
    }
    await produce(env.kafka, env.topics.positions, backlog);
    await produce(env.kafka, env.topics.news, [
      newsMessage({
        id: 'n-late',
        ts: '2026-11-30T09:30:00.000Z',
        headline: 'LATE recalls its products',
        symbols: ['LATE'],
      }),
    ]);

    env.own(await startService(env.config(), { listen: false }));
    const rows = await waitFor(
      async () => {
        const r = await query<{ portfolio_id: string }>(
          env.config().databaseUrl,
          "SELECT portfolio_id FROM evaluations WHERE trigger_event_id = 'n-late'",
        );
        return r.length > 0 && r;
      },
      30_000,
      'the news evaluation',
    );
    expect(rows.map((r) => r.portfolio_id)).toEqual(['pf-late']);
  });
});
