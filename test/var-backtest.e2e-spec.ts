import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';

import { json, positionsMessage, produce, query, waitFor } from './support/harness';
import { useRunningService } from './support/running-service';

/**
 * Daily risk records made from a replay of history through Kafka (ticks with past event times,
 * one close a day) and the var-backtest route over them: P&L and exceptions checked by hand.
 */
describe('var-backtest end to end', () => {
  const svc = useRunningService('varbacktest', {
    read: ['evaluations'],
    env: { REASONING_ENABLED: 'false' },
  });
  let apiKey: string;
  type Point = { date: string; var99: number; pnl: number; exception: boolean };
  const seriesOf = (body: unknown) => (body as { series: Point[] }).series;
  const get = (path: string) =>
    request(svc.app.getHttpServer()).get(path).set('Authorization', `Bearer ${apiKey}`);

  // 20 AAA long, 50 BBB short, cash 10,000; one close a day at 16:00 UTC (BBB a second later,
  // so the day's last evaluation has both closes).
  const closes: [string, number, number][] = [
    ['2026-03-02', 100, 40], // Monday
    ['2026-03-03', 102, 39], // 20·2 + (−50)(−1) = 40 + 50 = +90
    ['2026-03-04', 55, 39], //  20·(−47) = −940: AAA crashes 46%, an exception under any VaR
    ['2026-03-05', 56, 38], //  20·1 + (−50)(−1) = +70
    ['2026-03-06', 57, 38], //  20·1 = +20 (Friday)
    ['2026-03-09', 57, 120], // (−50)·82 = −4,100: a short squeeze over the weekend, exception
    ['2026-03-10', 58, 118], // 20·1 + (−50)(−2) = +120
  ];
  const dailyRows = () =>
    query<{
      day: string;
      as_of: Date;
      var99: number;
      evaluation_id: string;
      positions: { symbol: string; price: number }[];
    }>(
      svc.cfg.databaseUrl,
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, as_of, var99, evaluation_id, positions
         FROM daily_risk WHERE portfolio_id = 'pf-bt' ORDER BY day`,
    );

  beforeAll(async () => {
    apiKey = (await new ApiKeyRepository(svc.app.get(DataSource)).create('viewer')).key;
    await produce(svc.kafka, svc.topics.positions, [
      positionsMessage({
        portfolioId: 'pf-bt',
        ts: '2026-03-02T09:00:00.000Z',
        cash: 10000,
        positions: [
          { symbol: 'AAA', quantity: 20, price: 100 },
          { symbol: 'BBB', quantity: -50, price: 40 },
        ],
      }),
    ]);
    await waitFor(async () => (await dailyRows()).length === 1, 30_000, 'the snapshot’s record');
    // Day by day, as a replay would: each day's closes evaluated before the next day's.
    for (const [day, aaa, bbb] of closes) {
      await produce(svc.kafka, svc.topics.ticks, [
        json('AAA', { id: `aaa-${day}`, symbol: 'AAA', price: aaa, ts: `${day}T16:00:00.000Z` }),
        json('BBB', { id: `bbb-${day}`, symbol: 'BBB', price: bbb, ts: `${day}T16:00:01.000Z` }),
      ]);
      await waitFor(
        async () =>
          (await dailyRows()).some(
            (r) => r.day === day && r.positions.map((p) => p.price).join() === `${aaa},${bbb}`,
          ),
        30_000,
        `the close of ${day}`,
      );
    }
  });

  it('keeps one record a day: the day’s latest evaluation, with its positions and prices', async () => {
    const rows = await dailyRows();
    expect(rows.map((r) => r.day)).toEqual(closes.map((c) => c[0]));
    const [rec] = await query<{ positions: unknown; nav: number; cash: number }>(
      svc.cfg.databaseUrl,
      `SELECT positions, nav, cash FROM daily_risk WHERE portfolio_id = 'pf-bt' AND day = '2026-03-04'`,
    );
    expect(rec.positions).toEqual([
      { symbol: 'AAA', quantity: 20, price: 55 },
      { symbol: 'BBB', quantity: -50, price: 39 },
    ]);
    // nav = 10,000 + 20·55 − 50·39 = 10,000 + 1,100 − 1,950 = 9,150
    expect(rec.nav).toBeCloseTo(9150, 9);
    expect(rec.cash).toBe(10000);
    // The record's var99 is the var99 of the evaluation it names, as published on Kafka.
    const published = svc.readers.evaluations!.values<{
      id: string;
      metrics: { var99: number };
    }>();
    for (const r of rows) {
      const ev = published.find((e) => e.id === r.evaluation_id);
      expect(ev?.metrics.var99).toBe(r.var99);
    }
  });

  it('judges each day’s var99 against the next day’s P&L at unchanged positions', async () => {
    const res = await get('/api/v1/portfolios/pf-bt/var-backtest?days=250').expect(200);
    const rows = await dailyRows();
    expect(res.body).toMatchObject({
      portfolioId: 'pf-bt',
      days: 250,
      observations: 6,
      exceptions: 2,
      expectedExceptions: 0.06,
      skipped: 0,
    });
    expect(seriesOf(res.body).map((p) => [p.date, p.pnl, p.exception])).toEqual([
      ['2026-03-02', 90, false],
      ['2026-03-03', -940, true],
      ['2026-03-04', 70, false],
      ['2026-03-05', 20, false],
      ['2026-03-06', -4100, true],
      ['2026-03-09', 120, false],
    ]);
    expect(seriesOf(res.body).map((p) => p.var99)).toEqual(rows.slice(0, 6).map((r) => r.var99));
    // Kupiec, T = 6, x = 2: −2 [4 ln 0.99 + 2 ln 0.01 − 4 ln(2/3) − 2 ln(1/3)]
    //   = −2 [−0.0402013 − 9.2103404 + 1.6218604 + 2.1972246] = 10.862913
    expect(res.body.kupiec.lr).toBeCloseTo(10.862913, 5);
    expect(res.body.kupiec.pValue).toBeCloseTo(0.000981, 5);
    // Christoffersen, hits F T F F T F: n00 1, n01 2, n10 2, n11 0; π = 2/5, π01 = 2/3, π11 = 0
    //   restricted 3 ln 0.6 + 2 ln 0.4 = −3.3650583; unrestricted ln(1/3) + 2 ln(2/3) = −1.9095425
    //   LR = 2 (3.3650583 − 1.9095425) = 2.9110317, p = 0.087976
    expect(res.body.christoffersen.lr).toBeCloseTo(2.9110317, 5);
    expect(res.body.christoffersen.pValue).toBeCloseTo(0.087976, 5);
    // 6 observations: P(X ≤ 1) = 0.99854 < 99.99% ≤ P(X ≤ 2) = 0.99998, so 2 exceptions are red.
    expect(res.body.zone).toBe('red');
    expect(res.body.esBacktest.test).toBe('acerbi-szekely-z2');
  });

  it('keeps the last `days` forecasts', async () => {
    const res = await get('/api/v1/portfolios/pf-bt/var-backtest?days=2').expect(200);
    expect(res.body).toMatchObject({ days: 2, observations: 2, exceptions: 1 });
    expect(seriesOf(res.body).map((p) => p.date)).toEqual(['2026-03-06', '2026-03-09']);
  });

  it('a replayed close changes nothing; an older evaluation of the day does not replace it', async () => {
    const before = await dailyRows();
    // The same ticks again (duplicates), and a tick of 2026-03-04 earlier than its close: stale.
    await produce(svc.kafka, svc.topics.ticks, [
      json('AAA', {
        id: 'aaa-2026-03-10',
        symbol: 'AAA',
        price: 58,
        ts: '2026-03-10T16:00:00.000Z',
      }),
      json('AAA', { id: 'aaa-early', symbol: 'AAA', price: 1, ts: '2026-03-04T12:00:00.000Z' }),
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await dailyRows()).toEqual(before);
  });

  it('answers 404 for an unknown portfolio and 400 for a bad `days`', async () => {
    const unknown = await get('/api/v1/portfolios/pf-none/var-backtest').expect(404);
    expect(unknown.body.message).toMatch(/unknown portfolio/);
    for (const bad of ['0', '2501', 'abc', '2.5']) {
      const r = await get(`/api/v1/portfolios/pf-bt/var-backtest?days=${bad}`).expect(400);
      expect(JSON.stringify(r.body)).toMatch(/days/);
    }
    await request(svc.app.getHttpServer()).get('/api/v1/portfolios/pf-bt/var-backtest').expect(401);
  });
  it('is in the OpenAPI document with its response schema', async () => {
    const doc = await request(svc.app.getHttpServer()).get('/api/docs-json').expect(200);
    const body = doc.body as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const route = body.paths['/api/v1/portfolios/{id}/var-backtest']?.get;
    expect(JSON.stringify(route?.responses['200'])).toContain('VarBacktestDto');
    expect(Object.keys(body.components.schemas.VarBacktestDto.properties)).toEqual(
      expect.arrayContaining(['kupiec', 'christoffersen', 'zone', 'series', 'esBacktest']),
    );
    expect(body.paths['/api/v1/model-quality']?.get).toBeDefined();
  });
});
