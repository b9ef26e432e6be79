import { Webhook } from 'standardwebhooks';
import { DeliveryWorker } from './delivery-worker';
import { newWebhookSecret } from './signing';
import type { SendResult, WebhookSender } from './webhook-sender';
import type { ClaimedDelivery, WebhookRepository } from './webhook.repository';

/** A store double that fails on any call the test did not expect. */
function storeWith(claims: ClaimedDelivery[][]) {
  const recorded: { id: string; attempt: number; outcome: string; retryInMs: number | null }[] = [];
  const store = {
    scanNewAlerts: jest.fn(async () => 0),
    claimDue: jest.fn(async () => claims.shift() ?? []),
    recordAttempt: jest.fn(
      async (d: ClaimedDelivery, a: { outcome: string; retryInMs: number | null }) => {
        recorded.push({ id: d.id, attempt: d.attempt, outcome: a.outcome, retryInMs: a.retryInMs });
      },
    ),
  };
  return { store: store as unknown as WebhookRepository, recorded, mock: store };
}

describe('DeliveryWorker', () => {
  const secret = newWebhookSecret();
  const claimed = (attempt: number): ClaimedDelivery => ({
    id: 'msg_1',
    subscriptionId: 's-1',
    url: 'https://hooks.example/x',
    secret,
    payload: '{"id":"a-1"}',
    attempt,
    alertCommittedAt: new Date(Date.now() - 1000),
  });
  const opts = {
    policy: { scheduleMs: [0, 100, 200], jitter: 0 },
    pollMs: 10,
    timeoutMs: 1000,
    concurrency: 4,
    maxPerSubscription: 4,
    scanBatch: 100,
  };

  it('signs each attempt, records the outcome and reports delivery latency', async () => {
    const sent: { headers: Record<string, string>; body: string }[] = [];
    const sender: WebhookSender = {
      send: async (_url, headers, body): Promise<SendResult> => {
        sent.push({ headers, body });
        return { statusCode: 204, retryAfterMs: null, error: null, durationMs: 3 };
      },
    };
    const { store, recorded } = storeWith([[claimed(1)]]);
    const delivered: number[] = [];
    const worker = new DeliveryWorker(store, sender, {
      ...opts,
      onDelivered: (s) => delivered.push(s),
    });
    await worker.tick();
    await worker.stop();
    expect(sent).toHaveLength(1);
    expect(sent[0].headers['webhook-id']).toBe('msg_1');
    expect(() => new Webhook(secret).verify(sent[0].body, sent[0].headers)).not.toThrow();
    expect(recorded).toEqual([{ id: 'msg_1', attempt: 1, outcome: 'delivered', retryInMs: null }]);
    expect(delivered[0]).toBeGreaterThanOrEqual(1);
  });

  it('schedules a retry after a failure and gives up after the last attempt', async () => {
    const sender: WebhookSender = {
      send: async () => ({
        statusCode: null,
        retryAfterMs: null,
        error: 'ECONNREFUSED',
        durationMs: 1,
      }),
    };
    const { store, recorded } = storeWith([[claimed(1)], [claimed(3)]]);
    const worker = new DeliveryWorker(store, sender, opts);
    await worker.tick();
    await worker.tick();
    await worker.stop();
    expect(recorded).toEqual([
      { id: 'msg_1', attempt: 1, outcome: 'retry', retryInMs: 100 },
      { id: 'msg_1', attempt: 3, outcome: 'failed', retryInMs: null },
    ]);
  });

  it('claims no more than its free concurrency and leases beyond the timeout', async () => {
    const never: WebhookSender = { send: () => new Promise<SendResult>(() => undefined) };
    const { store, mock } = storeWith([[claimed(1), claimed(1)]]);
    const worker = new DeliveryWorker(store, never, opts);
    await worker.tick();
    await worker.tick();
    expect(mock.claimDue.mock.calls.map((c: unknown[]) => c.slice(0, 2))).toEqual([
      [4, 7000],
      [2, 7000],
    ]);
  });

  it("tells the store each subscription's deliveries in flight, so it can cap them", async () => {
    const never: WebhookSender = { send: () => new Promise<SendResult>(() => undefined) };
    const { store, mock } = storeWith([[claimed(1), { ...claimed(1), id: 'msg_2' }]]);
    const worker = new DeliveryWorker(store, never, { ...opts, maxPerSubscription: 2 });
    await worker.tick();
    await worker.tick();
    const caps = mock.claimDue.mock.calls.map(
      (c: unknown[]) => c[2] as { maxPerSubscription: number; inFlight: Map<string, number> },
    );
    expect(caps[1].maxPerSubscription).toBe(2);
    expect([...caps[1].inFlight]).toEqual([['s-1', 2]]);
  });

  it('waits for a slot instead of scanning back to back when every slot is busy', async () => {
    const never: WebhookSender = { send: () => new Promise<SendResult>(() => undefined) };
    const { store, mock } = storeWith([[claimed(1), { ...claimed(1), id: 'msg_2' }]]);
    const worker = new DeliveryWorker(store, never, { ...opts, concurrency: 2, pollMs: 50 });
    worker.start();
    await new Promise((r) => setTimeout(r, 300));
    void worker.stop();
    // One pass per poll interval (about 6 here); a busy loop makes thousands.
    expect(mock.scanNewAlerts.mock.calls.length).toBeLessThan(30);
    expect(mock.claimDue.mock.calls.length).toBe(1);
  });

  it('records a secret it cannot decrypt as a failed attempt, without sending', async () => {
    const send = jest.fn();
    const { store, recorded } = storeWith([[{ ...claimed(1), secret: null }]]);
    const worker = new DeliveryWorker(store, { send }, opts);
    await worker.tick();
    await worker.stop();
    expect(send).not.toHaveBeenCalled();
    expect(recorded).toEqual([{ id: 'msg_1', attempt: 1, outcome: 'retry', retryInMs: 100 }]);
  });
});
