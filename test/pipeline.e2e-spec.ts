import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';

import { json, produce, query, waitFor } from './support/harness';
import { useRunningService } from './support/running-service';

/**
 * The whole pipeline as it runs in production, in one process: Kafka in → state → PostgreSQL →
 * Kafka out and the API.
 */
describe('pipeline end to end', () => {
  const svc = useRunningService('pipeline', { read: ['evaluations', 'alerts'] });
  const cfg = svc.cfg;
  let apiKey: string;
  // Every route but /health needs a key: each call sends a viewer key.
  const http = () => ({
    get: (path: string) =>
      request(svc.app.getHttpServer()).get(path).set('Authorization', `Bearer ${apiKey}`),
  });
  const evalRows = (pid: string) =>
    query<{ id: string; trigger_topic: string; trigger_event_id: string; level: string }>(
      cfg.databaseUrl,
      'SELECT id, trigger_topic, trigger_event_id, level FROM evaluations WHERE portfolio_id = $1 ORDER BY created_at',
      [pid],
    );

  beforeAll(async () => {
    apiKey = (await new ApiKeyRepository(svc.app.get(DataSource)).create('viewer')).key;
  });

  const snapshot = {
    id: 'p-1',
    portfolioId: 'pf-alpha',
    ts: '2026-11-30T09:00:00.000Z',
    baseCurrency: 'USD',
    cash: 100000,
    positions: [
      { symbol: 'AAPL', quantity: 1200, price: 181.9 },
      { symbol: 'ACME', quantity: -300, price: 50 },
    ],
    limits: { maxWeight: 0.25 },
  };

  it('evaluates a positions snapshot and publishes, stores and serves the evaluation', async () => {
    await produce(svc.kafka, svc.topics.positions, [json('pf-alpha', snapshot)]);
    const [ev] = await svc.readers.evaluations!.waitForCount(1);
    expect(ev).toMatchObject({
      portfolioId: 'pf-alpha',
      trigger: { topic: svc.topics.positions, eventId: 'p-1' },
    });
    // nav = 100,000 + 1,200 × 181.9 − 300 × 50 = 100,000 + 218,280 − 15,000 = 303,280
    const metrics = ev.metrics as Record<string, number>;
    expect(metrics.nav).toBeCloseTo(303280, 6);
    expect(metrics.grossExposure).toBeCloseTo(233280, 6);
    expect(metrics.maxWeight).toBeCloseTo(218280 / 303280, 9);
    // 72% of nav in AAPL breaches the 25% limit: the level is at least HIGH and an alert is raised.
    expect(['HIGH', 'CRITICAL']).toContain(ev.level);
    const [alert] = await svc.readers.alerts!.waitForCount(1);
    expect(alert).toMatchObject({
      portfolioId: 'pf-alpha',
      evaluationId: ev.id,
      previousLevel: null,
    });
    const steps = (ev.explanation as { steps: { kind: string; text: string }[] }).steps;
    expect(steps.some((s) => s.kind === 'limit' && /AAPL/.test(s.text))).toBe(true);

    const list = await http().get('/api/v1/portfolios').expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: 'pf-alpha', level: ev.level, lastEvaluationId: ev.id }),
    ]);
    const risk = await http().get('/api/v1/portfolios/pf-alpha/risk').expect(200);
    expect(risk.body).toEqual(ev);
    const one = await http()
      .get(`/api/v1/evaluations/${String(ev.id)}`)
      .expect(200);
    expect(one.body.explanation.steps.length).toBe(steps.length);
    const al = await http().get('/api/v1/alerts?portfolioId=pf-alpha').expect(200);
    expect(al.body.items[0]).toMatchObject({ id: alert.id });
  });

  it('re-evaluates on ticks of held symbols, coalesced, and ignores stale ticks', async () => {
    const before = svc.readers.evaluations!.values().length;
    const ticks = [1, 2, 3, 4, 5].map((i) =>
      json('AAPL', {
        id: `t-aapl-${i}`,
        symbol: 'AAPL',
        price: 182 + i / 100,
        ts: `2026-11-30T09:30:0${i}.000Z`,
      }),
    );
    await produce(svc.kafka, svc.topics.ticks, ticks);
    const evs = await svc.readers.evaluations!.waitForCount(before + 1, 30_000);
    const last = await waitFor(async () => {
      const rows = await evalRows('pf-alpha');
      const tickRows = rows.filter((r) => r.trigger_topic === svc.topics.ticks);
      return tickRows.length > 0 && tickRows.some((r) => r.trigger_event_id === 't-aapl-5')
        ? tickRows
        : undefined;
    });
    // Five ticks within one coalescing window make far fewer than five evaluations.
    expect(last.length).toBeLessThan(5);
    expect(evs.length).toBeGreaterThan(before);
    const risk = await http().get('/api/v1/portfolios/pf-alpha/risk').expect(200);
    // 1,200 × 182.05 = 218,460
    expect(risk.body.metrics.nav).toBeCloseTo(100000 + 218460 - 15000, 6);

    // An older tick is stale: no evaluation, and the price stays 182.05.
    await produce(svc.kafka, svc.topics.ticks, [
      json('AAPL', {
        id: 't-aapl-old',
        symbol: 'AAPL',
        price: 100,
        ts: '2026-11-30T09:29:00.000Z',
      }),
    ]);
    await new Promise((r) => setTimeout(r, 800));
    const rows = await evalRows('pf-alpha');
    expect(rows.some((r) => r.trigger_event_id === 't-aapl-old')).toBe(false);
    const after = await http().get('/api/v1/portfolios/pf-alpha/risk').expect(200);
    expect(after.body.metrics.nav).toBeCloseTo(303460, 6);
  });

  it('re-evaluates on news about a held symbol, not about others', async () => {
    await produce(svc.kafka, svc.topics.news, [
      json('n-other', {
        id: 'n-other',
        ts: '2026-11-30T09:31:00.000Z',
        headline: 'Unrelated story',
        symbols: ['ZZZ'],
      }),
      json('n-42', {
        id: 'n-42',
        ts: '2026-11-30T09:31:05.120Z',
        headline: 'SEC opens probe into ACME accounting',
        symbols: ['ACME'],
      }),
    ]);
    const ev = await waitFor(() =>
      svc.readers
        .evaluations!.values()
        .find((v) => (v.trigger as { eventId: string }).eventId === 'n-42'),
    );
    expect(ev.ts).toBe('2026-11-30T09:31:05.120Z');
    const rows = await evalRows('pf-alpha');
    expect(rows.filter((r) => r.trigger_event_id === 'n-other')).toHaveLength(0);
  });

  it('gives a redelivered message no second effect', async () => {
    const count = (await evalRows('pf-alpha')).length;
    const published = svc.readers.evaluations!.values().length;
    await produce(svc.kafka, svc.topics.positions, [json('pf-alpha', snapshot)]);
    await produce(svc.kafka, svc.topics.news, [
      json('n-42', {
        id: 'n-42',
        ts: '2026-11-30T09:31:05.120Z',
        headline: 'SEC opens probe into ACME accounting',
        symbols: ['ACME'],
      }),
    ]);
    // A later distinct message proves the consumers went past the duplicates.
    await produce(svc.kafka, svc.topics.news, [
      json('n-43', {
        id: 'n-43',
        ts: '2026-11-30T09:32:00.000Z',
        headline: 'ACME recalls product',
        symbols: ['ACME'],
      }),
    ]);
    await waitFor(() =>
      svc.readers
        .evaluations!.values()
        .find((v) => (v.trigger as { eventId: string }).eventId === 'n-43'),
    );
    await waitFor(async () => (await evalRows('pf-alpha')).length === count + 1 || undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect((await evalRows('pf-alpha')).length).toBe(count + 1);
    expect(svc.readers.evaluations!.values().length).toBe(published + 1);
    const ids = svc.readers.evaluations!.values().map((v) => v.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('paginates history newest first with a cursor', async () => {
    const all = await evalRows('pf-alpha');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await http()
        .get('/api/v1/portfolios/pf-alpha/evaluations')
        .query(cursor ? { limit: 2, cursor } : { limit: 2 })
        .expect(200);
      const items = res.body.items as { id: string; ts: string }[];
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((i) => i.id));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(seen.sort()).toEqual(all.map((r) => r.id).sort());
  });

  it('answers bad requests with a 4xx JSON body', async () => {
    const r1 = await http().get('/api/v1/portfolios/pf-alpha/evaluations?limit=0').expect(400);
    expect(r1.body.message).toBeDefined();
    await http().get('/api/v1/portfolios/pf-alpha/evaluations?cursor=garbage').expect(400);
    await http().get('/api/v1/portfolios/pf-alpha/evaluations?bogus=1').expect(400);
    await http().get('/api/v1/evaluations/not-a-uuid').expect(400);
    await http().get('/api/v1/evaluations/00000000-0000-4000-8000-000000000000').expect(404);
    await http().get('/api/v1/portfolios/nope/risk').expect(404);
    await http().get('/api/v1/portfolios/bad%20id/risk').expect(400);
  });

  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    await http().get('/health').expect(200, { status: 'ok' });
    const ready = await http().get('/ready').expect(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, kafka: { status: 'up' } });
    const m = await http().get('/metrics').expect(200);
    expect(m.text).toContain('risk_evaluations_total');
    await http().get('/api/docs-json').expect(200);
  });
});
