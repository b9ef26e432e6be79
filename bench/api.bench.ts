/**
 * npm run bench:api — the dashboard API and webhook delivery under load.
 *
 * Seeds a fresh database with 5,000 evaluations (20 portfolios × 250, each with a full
 * explanation), boots the api as it runs in production (guard, rate limiter — set high here —
 * validation, the delivery worker with its default polling), then:
 *  - autocannon on GET /portfolios/{id}/risk and on a 50-item history page: requests/s and p99;
 *  - 200 alerts committed one transaction at a time to a subscribed local receiver that verifies
 *    each signature: alert committed (COMMIT returned) → webhook received, p50 and p99.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PlatformModule, loadConfig } from '@risk/platform';
import { ApiModule } from '../apps/api/src/api.module';
import { configureHttp } from '../apps/api/src/configure-http';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';
import { dropDatabase } from '../test/support/harness';
import { insertAlerts } from '../test/support/risk-rows';
import { WebhookReceiver } from '../test/support/webhook-receiver';
import { percentile, resultLine, round } from './bench-support';

const PORTFOLIOS = 20;
const PER_PORTFOLIO = 250;
const ALERTS = 200;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

async function seed(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const steps = Array.from({ length: 18 }, (_, i) => ({
      kind: i < 13 ? 'metric' : i < 17 ? 'limit' : 'decision',
      text: `step ${i}: AAPL 1,000 × 150 = 150,000.00 (last tick); nav = cash 50,000.00 + Σ positions 190,000.00`,
      data: { i, value: 150000 + i },
    }));
    await c.query(
      `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
       SELECT gen_random_uuid(), 'pf-' || p, now() - (n || ' seconds')::interval, 'market.ticks', 't-' || p || '-' || n,
              random(), (ARRAY['LOW','MEDIUM','HIGH','CRITICAL'])[1 + (n % 4)],
              $1::jsonb, $2::jsonb, '{"totalMs":3,"reasoningMs":0,"cachedTokens":0,"newTokens":0}'::jsonb
         FROM generate_series(0, $3 - 1) p, generate_series(1, $4) n`,
      [
        JSON.stringify({
          nav: 240000,
          grossExposure: 190000,
          netExposure: 190000,
          maxWeight: 0.625,
          maxWeightSymbol: 'AAPL',
          hhi: 0.67,
          var99: 6825,
          es99: 7819,
          volAnnualized: 0.19,
          drawdown: 0.11,
        }),
        JSON.stringify({ steps, models: { tree: 'rules@1' } }),
        PORTFOLIOS,
        PER_PORTFOLIO,
      ],
    );
    await c.query(
      `INSERT INTO portfolios (id, base_currency, last_evaluation_id, last_score, last_level, last_evaluated_at)
       SELECT DISTINCT ON (portfolio_id) portfolio_id, 'USD', id, score, level, ts
         FROM evaluations ORDER BY portfolio_id, ts DESC`,
    );
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}

async function load(
  url: string,
  key: string,
): Promise<{ rps: number; p99: number; errors: number }> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: `Bearer ${key}` },
  });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function main(): Promise<void> {
  const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const dbUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/risk');
  dbUrl.pathname = `/risk_bench_api_${tag}`;
  const cfg = loadConfig({
    ...process.env,
    DATABASE_URL: dbUrl.toString(),
    LOG_LEVEL: 'warn',
    PORT: '0',
    API_RATE_LIMIT_PER_SEC: '1000000',
    API_RATE_LIMIT_BURST: '1000000',
    WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  @Module({ imports: [PlatformModule.forRoot(cfg), ApiModule] })
  class ApiBenchModule {}
  let app: INestApplication | undefined;
  const receiver = new WebhookReceiver();
  try {
    app = await NestFactory.create(ApiBenchModule, { logger: ['error', 'warn'] });
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
    await seed(cfg.databaseUrl);
    const key = (await new ApiKeyRepository(app.get(DataSource)).create('admin', 'bench')).key;
    console.log(
      `seeded ${PORTFOLIOS * PER_PORTFOLIO} evaluations; autocannon ${CONNECTIONS} connections × ${DURATION_S} s`,
    );

    await load(`${base}/api/v1/portfolios/pf-3/risk`, key); // warm-up
    const risk = await load(`${base}/api/v1/portfolios/pf-7/risk`, key);
    console.log(
      `GET /portfolios/{id}/risk            ${round(risk.rps, 0)} req/s, p99 ${risk.p99} ms, errors ${risk.errors}`,
    );
    const history = await load(`${base}/api/v1/portfolios/pf-7/evaluations?limit=50`, key);
    console.log(
      `GET /portfolios/{id}/evaluations (50) ${round(history.rps, 0)} req/s, p99 ${history.p99} ms, errors ${history.errors}`,
    );

    await receiver.start();
    const sub = await fetch(`${base}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, minLevel: 'LOW', portfolioIds: ['pf-hook'] }),
    });
    receiver.secret = ((await sub.json()) as { secret: string }).secret;
    const committed = new Map<string, number>();
    for (let i = 0; i < ALERTS; i++) {
      const [a] = await insertAlerts(cfg.databaseUrl, [{ portfolioId: 'pf-hook', level: 'HIGH' }]);
      committed.set(a.alertId, Date.now());
      await new Promise((r) => setTimeout(r, 20));
    }
    const deadline = Date.now() + 60_000;
    while (receiver.acknowledged().size < ALERTS && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const latencies = [...receiver.acknowledged().values()]
      .map((copies) => {
        const body = JSON.parse(copies[0].body) as { id: string };
        return copies[0].at - (committed.get(body.id) ?? NaN);
      })
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    if (receiver.badSignatures.length > 0)
      throw new Error(`bad signatures: ${receiver.badSignatures[0]}`);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `webhooks: ${latencies.length}/${ALERTS} delivered, committed → received p50 ${p50} ms, p99 ${p99} ms (WEBHOOK_POLL_MS ${cfg.webhookPollMs})`,
    );
    console.log(
      resultLine({
        risk_rps: round(risk.rps, 0),
        risk_p99_ms: risk.p99,
        history_p99_ms: history.p99,
        webhook_p50_ms: p50,
        webhook_p99_ms: p99,
      }),
    );
  } finally {
    await receiver.stop();
    await app?.close();
    await dropDatabase(dbUrl.toString());
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
