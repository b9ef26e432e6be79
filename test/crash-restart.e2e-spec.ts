import type { ChildProcess } from 'node:child_process';
import {
  TopicReader,
  newsMessage,
  positionsMessage,
  produce,
  query,
  waitFor,
  json,
  type Produced,
} from './support/harness';
import { useTestEnvironment } from './support/running-service';
import { kill, spawnApp } from './support/service-process';

const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];
const PORTFOLIOS = ['pf-1', 'pf-2', 'pf-3', 'pf-4', 'pf-5', 'pf-6'];
const holdingsOf = (i: number) => [SYMBOLS[i % 4], SYMBOLS[(i + 1) % 4]];

/**
 * The risk engine killed with SIGKILL in the middle of a stream and started again loses
 * nothing and duplicates nothing: in PostgreSQL and on risk.evaluations.
 */
describe('risk engine crash and restart', () => {
  const env = useTestEnvironment('crash', { env: { COALESCE_MS: '50' } });
  const cfg = env.config();
  let engine: ChildProcess | undefined;
  let evaluations: TopicReader;

  beforeAll(async () => {
    evaluations = await new TopicReader(env.kafka, env.topics.evaluations).start();
    env.cleanup(async () => {
      if (engine) await kill(engine, 'SIGKILL');
      await evaluations.stop();
    });
  });

  it('loses nothing and duplicates nothing', async () => {
    engine = spawnApp('risk-engine', cfg);
    const snapshots = PORTFOLIOS.map((pid, i) =>
      positionsMessage({
        portfolioId: pid,
        cash: 10000 * (i + 1),
        positions: holdingsOf(i).map((symbol, k) => ({
          symbol,
          quantity: 100 * (k + 1),
          price: 50,
        })),
      }),
    );
    await produce(env.kafka, env.topics.positions, snapshots);
    await evaluations.waitForCount(PORTFOLIOS.length, 60_000);

    // A stream of ticks and news: 40 rounds, each 4 ticks (one per symbol) and one news item.
    const rounds = 40;
    const lastPrice = new Map<string, number>();
    const newsIds: { id: string; symbol: string }[] = [];
    const batches: { ticks: Produced[]; news: Produced[] }[] = [];
    for (let r = 0; r < rounds; r++) {
      const ts = new Date(Date.parse('2026-11-30T09:30:00.000Z') + r * 1000).toISOString();
      const ticks = SYMBOLS.map((symbol, k) => {
        const price = Math.round((50 + Math.sin(r / 3 + k) * 5 + r / 10) * 100) / 100;
        lastPrice.set(symbol, price);
        return json(symbol, { id: `t-${symbol}-${r}`, symbol, price, ts });
      });
      const symbol = SYMBOLS[r % 4];
      newsIds.push({ id: `n-${r}`, symbol });
      batches.push({
        ticks,
        news: [
          newsMessage({
            id: `n-${r}`,
            ts,
            headline: `Story ${r} about ${symbol}`,
            symbols: [symbol],
          }),
        ],
      });
    }
    for (let r = 0; r < rounds; r++) {
      await produce(env.kafka, env.topics.ticks, batches[r].ticks);
      await produce(env.kafka, env.topics.news, batches[r].news);
      if (r === 15) {
        // Wait until the engine is visibly mid-stream, then kill it without warning.
        await waitFor(
          async () =>
            (
              await query(
                cfg.databaseUrl,
                "SELECT 1 FROM evaluations WHERE trigger_event_id LIKE 'n-1%' LIMIT 1",
              )
            ).length > 0 || undefined,
          60_000,
        );
        await kill(engine, 'SIGKILL');
      }
      if (r === 25) engine = spawnApp('risk-engine', cfg);
    }

    const expectedNews = newsIds.flatMap((n) =>
      PORTFOLIOS.filter((_, i) => holdingsOf(i).includes(n.symbol)).map((pid) => `${pid}|${n.id}`),
    );
    // Every news evaluation exists exactly once in PostgreSQL.
    const newsRows = await waitFor(
      async () => {
        const rows = await query<{ k: string }>(
          cfg.databaseUrl,
          `SELECT portfolio_id || '|' || trigger_event_id AS k FROM evaluations WHERE trigger_topic = $1`,
          [env.topics.news],
        );
        return rows.length >= expectedNews.length ? rows : undefined;
      },
      90_000,
      'every news evaluation',
    );
    expect(newsRows.map((r) => r.k).sort()).toEqual(expectedNews.sort());

    // The last ticks reached every portfolio: its latest evaluation is at the last prices.
    await waitFor(
      async () => {
        const rows = await query<{ portfolio_id: string; nav: number }>(
          cfg.databaseUrl,
          `SELECT DISTINCT ON (portfolio_id) portfolio_id, (metrics->>'nav')::float8 AS nav
             FROM evaluations ORDER BY portfolio_id, ts DESC, created_at DESC`,
        );
        return (
          PORTFOLIOS.every((pid, i) => {
            const nav =
              10000 * (i + 1) +
              holdingsOf(i).reduce((s, sym, k) => s + 100 * (k + 1) * lastPrice.get(sym)!, 0);
            const row = rows.find((r) => r.portfolio_id === pid);
            return row !== undefined && Math.abs(row.nav - nav) < 1e-6;
          }) || undefined
        );
      },
      60_000,
      'evaluations at the last prices',
    );

    // Kafka holds exactly what PostgreSQL holds: no evaluation published twice, none missing.
    const dbIds = (await query<{ id: string }>(cfg.databaseUrl, 'SELECT id FROM evaluations'))
      .map((r) => r.id)
      .sort();
    const published = await waitFor(
      () => {
        const vs = evaluations.values<{ id: string }>();
        return vs.length >= dbIds.length ? vs : undefined;
      },
      30_000,
      'every evaluation on Kafka',
    );
    await new Promise((r) => setTimeout(r, 1000));
    const ids = evaluations.values<{ id: string }>().map((v) => v.id);
    expect(ids.length).toBe(new Set(ids).size);
    expect([...new Set(ids)].sort()).toEqual(dbIds);
    expect(published.length).toBeGreaterThan(PORTFOLIOS.length + expectedNews.length - 1);
    const pending = await query<{ n: string }>(
      cfg.databaseUrl,
      'SELECT count(*)::text AS n FROM outbox WHERE published_at IS NULL',
    );
    expect(pending[0].n).toBe('0');
  }, 300_000); // its own waits add up to 300 s: a loaded machine needs more than the default
});
