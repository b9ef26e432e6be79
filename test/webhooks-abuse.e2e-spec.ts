import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookRepository } from '@risk/alerting';
import { query, waitFor } from './support/harness';
import { insertAlerts } from './support/risk-rows';
import { useRunningService } from './support/running-service';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * Receivers that misbehave: one that never answers holds at most WEBHOOK_MAX_PER_SUBSCRIPTION
 * slots (its attempts would otherwise fill every slot for WEBHOOK_TIMEOUT_MS, a minute here),
 * and one that answers 200 and then trickles its body is delivered, not retried.
 */
describe('webhooks under abuse', () => {
  const svc = useRunningService('webhooksabuse', {
    env: {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0,200,300',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '60000',
      WEBHOOK_MAX_PER_SUBSCRIPTION: '2',
    },
    listen: false,
  });
  const cfg = svc.cfg;
  const hung = new WebhookReceiver();
  const fine = new WebhookReceiver();
  let trickle: http.Server;
  let trickleUrl = '';

  beforeAll(async () => {
    hung.respond = () => 'hang';
    await hung.start();
    await fine.start();
    trickle = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const t = setInterval(() => res.write('.'), 500);
        res.on('close', () => clearInterval(t));
      });
    });
    await new Promise<void>((r) => trickle.listen(0, '127.0.0.1', r));
    trickleUrl = `http://127.0.0.1:${(trickle.address() as AddressInfo).port}/hook`;
  });
  // Before the service stops: its worker waits for the attempts these receivers hold.
  svc.cleanup(async () => {
    await hung.stop();
    await fine.stop();
    trickle.closeAllConnections();
    await new Promise((r) => trickle.close(r));
  });

  const subscribe = async (url: string, portfolioId: string) =>
    svc.app.get(WebhookRepository).createSubscription({
      url,
      minLevel: 'HIGH',
      portfolioIds: [portfolioId],
      createdBy: null,
    });
  const deliveries = (subscriptionId: string) =>
    query<{ status: string; attempts: number }>(
      cfg.databaseUrl,
      'SELECT status, attempts FROM webhook_deliveries WHERE subscription_id = $1',
      [subscriptionId],
    );

  it('lets a hung receiver hold only its own slots', async () => {
    const slow = await subscribe(hung.url, 'pf-hung');
    const ok = await subscribe(fine.url, 'pf-fine');
    fine.secret = ok.secret;
    await insertAlerts(
      cfg.databaseUrl,
      Array.from({ length: 40 }, () => ({ portfolioId: 'pf-hung', level: 'HIGH' as const })),
    );
    await insertAlerts(cfg.databaseUrl, [{ portfolioId: 'pf-fine', level: 'HIGH' }]);
    await waitFor(() => fine.acknowledged().size === 1, 20_000, 'the healthy receiver');
    expect(fine.badSignatures).toEqual([]);
    const held = (await deliveries(slow.id)).filter((d) => d.attempts > 0);
    expect(held.length).toBeLessThanOrEqual(2);
  });

  it('counts a 200 whose body never ends as delivered, once', async () => {
    const sub = await subscribe(trickleUrl, 'pf-trickle');
    await insertAlerts(cfg.databaseUrl, [{ portfolioId: 'pf-trickle', level: 'HIGH' }]);
    const [d] = await waitFor(async () => {
      const rows = await deliveries(sub.id);
      return rows.length === 1 && rows[0].status !== 'pending' ? rows : null;
    }, 20_000);
    expect(d).toEqual({ status: 'delivered', attempts: 1 });
  });
});
