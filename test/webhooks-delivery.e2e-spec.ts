import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';
import { startService } from '../apps/all/src/start-service';
import { positionsMessage, produce, query, waitFor } from './support/harness';
import { useTestEnvironment } from './support/running-service';
import { insertAlerts } from './support/risk-rows';
import { WebhookReceiver } from './support/webhook-receiver';

/** Webhook delivery against a real HTTP receiver that verifies every signature. */
describe('webhooks', () => {
  // Tests allow loopback receivers and run the retry schedule in milliseconds.
  const env = useTestEnvironment('webhooks', {
    env: {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0,200,300,400,500,600,700,800,900,1000,1000,1000,1000,1000',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '1000',
    },
  });
  const cfg = env.config();
  let app: INestApplication;
  let admin: string;
  const receivers: WebhookReceiver[] = [];
  const http = () => request(app.getHttpServer());
  const auth = () => ({ Authorization: `Bearer ${admin}` });

  async function receiver(): Promise<WebhookReceiver> {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  }

  async function subscribe(r: WebhookReceiver, body: Record<string, unknown>): Promise<string> {
    const res = await http()
      .post('/api/v1/webhooks')
      .set(auth())
      .send({ url: r.url, ...body })
      .expect(201);
    expect(res.body.secret).toMatch(/^whsec_/);
    r.secret = res.body.secret as string;
    return res.body.id as string;
  }

  const attemptsOf = (subscriptionId: string) =>
    query<{ delivery_id: string; attempt: number; outcome: string; started_at: Date }>(
      cfg.databaseUrl,
      `SELECT a.delivery_id, a.attempt, a.outcome, a.started_at FROM webhook_attempts a
         JOIN webhook_deliveries d ON d.id = a.delivery_id
        WHERE d.subscription_id = $1 ORDER BY a.delivery_id, a.attempt`,
      [subscriptionId],
    );

  beforeAll(async () => {
    app = env.own(await startService(cfg, { listen: false }));
    admin = (await new ApiKeyRepository(app.get(DataSource)).create('admin')).key;
    env.cleanup(async () => {
      for (const r of receivers) await r.stop();
    });
  });

  it('delivers an alert raised by the pipeline, signed, with its incident id', async () => {
    const r = await receiver();
    const id = await subscribe(r, { minLevel: 'MEDIUM', portfolioIds: ['pf-hook'] });
    await produce(env.kafka, env.topics.positions, [
      positionsMessage({
        id: 'p-hook-1',
        portfolioId: 'pf-hook',
        cash: 1000,
        positions: [{ symbol: 'AAPL', quantity: 1000, price: 180 }],
        limits: { maxWeight: 0.25 },
      }),
    ]);
    await waitFor(() => r.acknowledged().size >= 1, 30_000, 'the webhook');
    expect(r.badSignatures).toEqual([]);
    const [got] = r.requests;
    expect(got.id).toMatch(/^msg_[0-9a-f]{32}$/);
    const alert = JSON.parse(got.body);
    expect(alert).toMatchObject({
      portfolioId: 'pf-hook',
      previousLevel: null,
      incidentId: `${env.topics.positions}:p-hook-1`,
    });
    expect(['MEDIUM', 'HIGH', 'CRITICAL']).toContain(alert.level);
    const stored = await http().get(`/api/v1/alerts?portfolioId=pf-hook`).set(auth()).expect(200);
    expect(stored.body.items[0]).toEqual(alert);
    const deliveries = await http()
      .get(`/api/v1/webhooks/${id}/deliveries`)
      .set(auth())
      .expect(200);
    expect(deliveries.body.items).toEqual([
      expect.objectContaining({
        id: got.id,
        alertId: alert.id,
        status: 'delivered',
        attempts: [expect.objectContaining({ attempt: 1, statusCode: 200, outcome: 'delivered' })],
      }),
    ]);
  });

  it('a receiver that is down for a while gets every alert exactly once, by webhook-id', async () => {
    const r = await receiver();
    const id = await subscribe(r, { minLevel: 'HIGH', portfolioIds: ['pf-down-a', 'pf-down-b'] });
    const port = r.port;
    // Down: first refusing connections, then answering 503, then back.
    await r.stop();
    const inserted = [];
    for (let i = 0; i < 4; i++)
      inserted.push(
        ...(await insertAlerts(cfg.databaseUrl, [
          { portfolioId: 'pf-down-a', level: 'HIGH', incidentId: `storm:${i}` },
          { portfolioId: 'pf-down-b', level: 'CRITICAL', incidentId: `storm:${i}` },
          { portfolioId: 'pf-down-b', level: 'MEDIUM' }, // below minLevel
          { portfolioId: 'pf-other', level: 'CRITICAL' }, // not subscribed
        ])),
      );
    await waitFor(async () => (await attemptsOf(id)).length >= 6, 20_000, 'failed attempts');
    r.respond = () => ({ status: 503 });
    await r.start(port);
    await waitFor(() => r.requests.length >= 6, 20_000, '503 answers');
    r.respond = () => ({ status: 200 });
    const expected = (inserted.filter((a) => a.portfolioId !== 'pf-other').length / 3) * 2;
    await waitFor(() => r.acknowledged().size >= expected, 30_000, 'every alert delivered');
    await new Promise((res) => setTimeout(res, 1500)); // room for a duplicate to show up
    const acked = r.acknowledged();
    expect(acked.size).toBe(8);
    for (const [, copies] of acked) expect(copies).toHaveLength(1);
    expect(r.badSignatures).toEqual([]);
    const bodies = [...acked.values()].map(
      (c) =>
        JSON.parse(c[0].body) as {
          id: string;
          level: string;
          incidentId: string;
          portfolioId: string;
        },
    );
    expect(new Set(bodies.map((b) => b.id)).size).toBe(8);
    expect(bodies.every((b) => ['HIGH', 'CRITICAL'].includes(b.level))).toBe(true);
    // Alerts of one event share their incident id.
    const byIncident = new Map<string, string[]>();
    for (const b of bodies)
      byIncident.set(b.incidentId, [...(byIncident.get(b.incidentId) ?? []), b.portfolioId]);
    expect([...byIncident.values()].map((v) => v.sort())).toEqual(
      Array(4).fill(['pf-down-a', 'pf-down-b']),
    );
    // Every attempt was recorded and carried the same webhook-id; retries happened.
    const attempts = await attemptsOf(id);
    const perDelivery = new Map<string, number[]>();
    for (const a of attempts)
      perDelivery.set(a.delivery_id, [...(perDelivery.get(a.delivery_id) ?? []), a.attempt]);
    expect(perDelivery.size).toBe(8);
    for (const [deliveryId, nums] of perDelivery) {
      expect(nums).toEqual(nums.map((_, i) => i + 1));
      expect(acked.has(deliveryId)).toBe(true);
    }
    expect(attempts.filter((a) => a.outcome === 'retry').length).toBeGreaterThanOrEqual(6);
    const ids503 = new Set(r.requests.filter((q) => q.status === 503).map((q) => q.id));
    for (const i of ids503) expect(acked.has(i)).toBe(true);
  });

  it('honours Retry-After and disables the subscription on 410 Gone', async () => {
    const r = await receiver();
    const id = await subscribe(r, { minLevel: 'LOW', portfolioIds: ['pf-ra'] });
    let calls = 0;
    r.respond = () =>
      ++calls === 1 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 200 };
    await insertAlerts(cfg.databaseUrl, [{ portfolioId: 'pf-ra', level: 'HIGH' }]);
    await waitFor(() => r.acknowledged().size === 1, 20_000, 'the retried delivery');
    const [first, secondTry] = r.requests;
    expect(first.id).toBe(secondTry.id);
    // The schedule says 200 ms (± 20%); the receiver asked for 1 s.
    expect(secondTry.at - first.at).toBeGreaterThanOrEqual(950);

    const g = await receiver();
    const gid = await subscribe(g, { minLevel: 'LOW', portfolioIds: ['pf-gone'] });
    g.respond = () => ({ status: 410 });
    await insertAlerts(cfg.databaseUrl, [{ portfolioId: 'pf-gone', level: 'HIGH' }]);
    await waitFor(
      async () => {
        const list = await http().get('/api/v1/webhooks').set(auth()).expect(200);
        return (list.body.items as { id: string; disabledAt: string | null }[]).find(
          (s) => s.id === gid && s.disabledAt,
        );
      },
      20_000,
      'the subscription disabled',
    );
    await insertAlerts(cfg.databaseUrl, [{ portfolioId: 'pf-gone', level: 'CRITICAL' }]);
    await new Promise((res) => setTimeout(res, 1000));
    expect(g.requests).toHaveLength(1);
    const d = await http().get(`/api/v1/webhooks/${gid}/deliveries`).set(auth()).expect(200);
    expect(d.body.items).toEqual([
      expect.objectContaining({
        status: 'failed',
        attempts: [expect.objectContaining({ statusCode: 410, outcome: 'gone' })],
      }),
    ]);
    void id;
  });

  it('two workers on one database never send the same attempt; deleting stops deliveries', async () => {
    env.own(await startService(cfg, { listen: false }));
    const r = await receiver();
    const id = await subscribe(r, { minLevel: 'LOW', portfolioIds: ['pf-two'] });
    await insertAlerts(
      cfg.databaseUrl,
      Array.from({ length: 40 }, () => ({ portfolioId: 'pf-two', level: 'HIGH' as const })),
    );
    await waitFor(() => r.acknowledged().size >= 40, 30_000, '40 deliveries');
    await new Promise((res) => setTimeout(res, 500));
    expect(r.requests).toHaveLength(40);
    expect((await attemptsOf(id)).length).toBe(40);
    await http().delete(`/api/v1/webhooks/${id}`).set(auth()).expect(204);
    await insertAlerts(cfg.databaseUrl, [{ portfolioId: 'pf-two', level: 'HIGH' }]);
    await new Promise((res) => setTimeout(res, 800));
    expect(r.requests).toHaveLength(40);
    const list = await http().get('/api/v1/webhooks').set(auth()).expect(200);
    expect((list.body.items as { id: string }[]).map((s) => s.id)).not.toContain(id);
  });
});
