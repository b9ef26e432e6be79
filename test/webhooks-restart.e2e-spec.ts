import type { ChildProcess } from 'node:child_process';
import { DataSource } from 'typeorm';
import { WebhookRepository, secretKeyFrom } from '@risk/alerting';
import { openDatabase } from '@risk/persistence';
import { kill, spawnApp } from './support/service-process';
import { query, waitFor } from './support/harness';
import { insertAlerts } from './support/risk-rows';
import { useTestEnvironment } from './support/running-service';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * The api process (which runs the delivery worker) is killed between attempts and started
 * again: the pending delivery lives in PostgreSQL, so it is still delivered, with the same
 * webhook-id, and every attempt is on record.
 */
describe('webhook delivery across a restart', () => {
  // The api process reads no topics: the database is all it shares with the test.
  const env = useTestEnvironment('webhooksrestart', { kafka: false });
  const cfg = env.config();
  // For the child process only: envOf(cfg) does not carry the webhook settings.
  const workerEnv = {
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // Attempt 2 comes 3 s after attempt 1: the process is killed in between.
    WEBHOOK_RETRY_SCHEDULE: '0,3s,500,500,500,500',
    WEBHOOK_JITTER: '0',
    WEBHOOK_POLL_MS: '50',
  };
  let ds: DataSource;
  let child: ChildProcess | undefined;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    ds = await openDatabase(cfg.databaseUrl);
    await receiver.start();
  });

  env.cleanup(async () => {
    if (child) await kill(child, 'SIGKILL');
    await receiver.stop();
    await ds?.destroy();
  });

  const attempts = () =>
    query<{ delivery_id: string; attempt: number; outcome: string; status_code: number | null }>(
      cfg.databaseUrl,
      'SELECT delivery_id, attempt, outcome, status_code FROM webhook_attempts ORDER BY attempt',
    );

  it('still delivers after the worker is killed between attempts', async () => {
    const store = new WebhookRepository(ds, secretKeyFrom(cfg.webhookSecretKey));
    const sub = await store.createSubscription({
      url: receiver.url,
      minLevel: 'HIGH',
      portfolioIds: null,
      createdBy: null,
    });
    receiver.secret = sub.secret;
    receiver.respond = () => ({ status: 500 });

    child = spawnApp('api', cfg, workerEnv);
    const [alert] = await insertAlerts(cfg.databaseUrl, [
      { portfolioId: 'pf-restart', level: 'CRITICAL', incidentId: 'news.events:n-1' },
    ]);
    await waitFor(async () => (await attempts()).length === 1, 60_000, 'the first attempt');
    await kill(child, 'SIGKILL');
    child = undefined;
    const [first] = await attempts();
    expect(first).toMatchObject({ attempt: 1, outcome: 'retry', status_code: 500 });

    receiver.respond = () => ({ status: 204 });
    child = spawnApp('api', cfg, workerEnv);
    await waitFor(() => receiver.acknowledged().size === 1, 60_000, 'the delivery after restart');
    expect(receiver.badSignatures).toEqual([]);
    const ids = new Set(receiver.requests.map((r) => r.id));
    expect(ids).toEqual(new Set([first.delivery_id]));
    expect(JSON.parse(receiver.requests[1].body)).toMatchObject({
      id: alert.alertId,
      incidentId: 'news.events:n-1',
    });
    // The receiver answers before the worker records the attempt: wait for the record.
    const all = await waitFor(
      async () => {
        const rows = await attempts();
        return rows.length === 2 ? rows : undefined;
      },
      30_000,
      'the second attempt recorded',
    );
    expect(all.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'retry'],
      [2, 'delivered'],
    ]);
    const [delivery] = await query<{ status: string }>(
      cfg.databaseUrl,
      'SELECT status FROM webhook_deliveries',
    );
    expect(delivery.status).toBe('delivered');
  });
});
