import type { INestApplication } from '@nestjs/common';
import { startService } from '../apps/all/src/start-service';
import {
  createTopics,
  dropDatabase,
  json,
  kafkaClient,
  produce,
  query,
  testConfig,
  uniqueTag,
  waitFor,
} from './support/harness';

/**
 * A news item read while the positions backlog is still being applied (the bench:ingest hang):
 * its holder's snapshot was published before the item, so the item is evaluated for it.
 */
describe('news behind a positions backlog', () => {
  const tag = uniqueTag('news-backlog');
  const cfg = testConfig(tag);
  let app: INestApplication | undefined;

  afterAll(async () => {
    await app?.close();
    await dropDatabase(cfg.databaseUrl);
  });

  const snapshot = (pid: string, i: number, symbol: string) =>
    json(pid, {
      id: `snap-${pid}-${i}`,
      portfolioId: pid,
      ts: new Date(Date.parse('2026-11-30T09:00:00.000Z') + i * 1000).toISOString(),
      baseCurrency: 'USD',
      cash: 1e6,
      positions: [{ symbol, quantity: 100, price: 100 }],
    });

  it('evaluates a news item for a holder whose snapshot was still in the backlog', async () => {
    const topics = await createTopics(`${tag}.`);
    const kafka = kafkaClient();
    // pf-late holds LATE only from its 40th snapshot on; other portfolios fill the backlog.
    const backlog = [];
    for (let i = 0; i < 40; i++) {
      backlog.push(snapshot(`pf-other-${i}`, 0, `OTHER${i}`));
      backlog.push(snapshot('pf-late', i, i < 39 ? `EARLY${i}` : 'LATE'));
    }
    await produce(kafka, topics.positions, backlog);
    await produce(kafka, topics.news, [
      json('n-late', {
        id: 'n-late',
        ts: '2026-11-30T09:30:00.000Z',
        headline: 'LATE recalls its products',
        symbols: ['LATE'],
      }),
    ]);

    app = await startService(cfg, { listen: false });
    const rows = await waitFor(
      async () => {
        const r = await query<{ portfolio_id: string }>(
          cfg.databaseUrl,
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
