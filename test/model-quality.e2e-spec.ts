import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';
import { ModelQualityService } from '../apps/api/src/model-quality/model-quality.service';
import { query, waitFor } from './support/harness';
import { useRunningService } from './support/running-service';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * The merged score against realized outcomes: evaluations written into PostgreSQL as the engine
 * writes them, GET /model-quality, the Prometheus gauges and the drift alert through a webhook.
 */
describe('model quality', () => {
  const svc = useRunningService('modelquality', {
    listen: false,
    env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '1000' },
  });
  let viewer: string;
  let admin: string;
  const receiver = new WebhookReceiver();
  const http = () => request(svc.app.getHttpServer());
  const T0 = Date.parse('2026-03-02T10:00:00.000Z');
  const MIN = 60_000;

  async function insertEvaluations(
    rows: { pid: string; ts: number; score: number; nav: number }[],
  ): Promise<void> {
    const c = new Client({ connectionString: svc.cfg.databaseUrl });
    await c.connect();
    try {
      for (const r of rows) {
        await c.query(
          `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
           VALUES ($1, $2, $3, $4, $5, $6, 'LOW', $7, '{"steps":[],"models":{}}', '{"totalMs":0,"reasoningMs":0,"cachedTokens":0,"newTokens":0}')`,
          [
            randomUUID(),
            r.pid,
            new Date(r.ts),
            svc.topics.ticks,
            randomUUID(),
            r.score,
            JSON.stringify({ nav: r.nav, var99: 0, es99: 0 }),
          ],
        );
      }
    } finally {
      await c.end();
    }
  }

  beforeAll(async () => {
    const keys = new ApiKeyRepository(svc.app.get(DataSource));
    viewer = (await keys.create('viewer')).key;
    admin = (await keys.create('admin')).key;
    await receiver.start();
    svc.cleanup(() => receiver.stop());
    const sub = await http()
      .post('/api/v1/webhooks')
      .set('Authorization', `Bearer ${admin}`)
      .send({ url: receiver.url, minLevel: 'HIGH' })
      .expect(201);
    receiver.secret = sub.body.secret as string;
    // 100 books scored 0.10 at T0; 20 of them lose 3% five minutes later (positive outcomes),
    // 80 do not. Their second evaluations (score 0.01) see nothing after: negative. One more book
    // at T0 + 20 min moves event time past every horizon but its own.
    const rows: { pid: string; ts: number; score: number; nav: number }[] = [];
    for (let i = 0; i < 100; i++) {
      rows.push({ pid: `pf-q-${i}`, ts: T0, score: 0.1, nav: 1000 });
      rows.push({ pid: `pf-q-${i}`, ts: T0 + 5 * MIN, score: 0.01, nav: i < 20 ? 970 : 1000 });
    }
    rows.push({ pid: 'pf-clock', ts: T0 + 20 * MIN, score: 0.01, nav: 1000 });
    await insertEvaluations(rows);
  });

  it('joins each score to its outcome: Brier, AUC and calibration by band', async () => {
    const res = await http()
      .get('/api/v1/model-quality?window=1h')
      .set('Authorization', `Bearer ${viewer}`)
      .expect(200);
    // 201 evaluations, 200 judged (pf-clock's horizon is still open), 20 positive.
    expect(res.body).toMatchObject({
      window: '1h',
      to: '2026-03-02T10:20:00.000Z',
      evaluations: 201,
      resolved: 200,
      positives: 20,
    });
    // Brier = (20 · 0.9² + 80 · 0.1² + 100 · 0.01²) / 200 = (16.2 + 0.8 + 0.01) / 200 = 0.08505
    expect(res.body.brier).toBeCloseTo(0.08505, 10);
    // AUC: each positive (0.10) beats the 100 negatives at 0.01 and ties the 80 at 0.10:
    // (100 + 80 / 2) / 180 = 140 / 180 = 0.777…
    expect(res.body.auc).toBeCloseTo(140 / 180, 10);
    const band = (b: string) =>
      (res.body.bands as ({ band: string } & Record<string, number>)[]).find((x) => x.band === b)!;
    expect(band('10-20%')).toMatchObject({ count: 100, observedRate: 0.2 });
    expect(band('10-20%').meanScore).toBeCloseTo(0.1, 12);
    expect(band('0-2%')).toMatchObject({ count: 100, observedRate: 0 });
    // gap 0.10 > 0.05 and z = 0.1 / √(0.1 · 0.9 / 100) = 3.33 ≥ 3: drifting
    expect(res.body.worstBand.band).toBe('10-20%');
    expect(res.body.drift.drifting).toBe(true);
  });

  it('rejects a bad window with 400 JSON', async () => {
    for (const w of ['abc', '5m', '91d', '0h', '1w']) {
      const r = await http()
        .get(`/api/v1/model-quality?window=${w}`)
        .set('Authorization', `Bearer ${viewer}`)
        .expect(400);
      expect(JSON.stringify(r.body)).toMatch(/window/);
    }
  });

  it('sets the gauges and raises one drift alert through the webhooks', async () => {
    const monitor = svc.app.get(ModelQualityService);
    await monitor.check();
    await monitor.check();
    const metrics = await http()
      .get('/metrics')
      .set('Authorization', `Bearer ${viewer}`)
      .expect(200);
    expect(metrics.text).toMatch(/^risk_model_brier 0\.08505/m);
    expect(metrics.text).toMatch(/^risk_model_calibration_drifting 1$/m);
    expect(metrics.text).toMatch(/^risk_model_band_observed_rate\{band="10-20%"\} 0\.2$/m);
    const hook = await waitFor(
      () =>
        receiver.requests
          .map((r) => JSON.parse(r.body) as { portfolioId: string; reason: string })
          .find((a) => a.portfolioId === 'model-quality'),
      30_000,
      'the drift webhook',
    );
    expect(hook.reason).toMatch(/band 10-20% observed 20\.0% vs predicted 10\.0%/);
    const alerts = await query(
      svc.cfg.databaseUrl,
      "SELECT id FROM alerts WHERE portfolio_id = 'model-quality'",
    );
    expect(alerts).toHaveLength(1);
  });
});
