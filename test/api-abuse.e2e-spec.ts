import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';
import { generateApiKey } from '../apps/api/src/auth/api-keys';
import { StreamHub } from '../apps/api/src/stream/stream-hub.service';
import { waitFor } from './support/harness';
import { listenOnLoopback, useRunningService } from './support/running-service';
import { SseClient } from './support/sse-client';

/**
 * The API under abuse: odd query forms, floods of wrong keys, many and long-lived streams. The
 * failed-authentication test runs last: it spends this address's budget for the whole file.
 */
describe('API under abuse', () => {
  const svc = useRunningService('apiabuse', {
    env: {
      WEBHOOK_WORKER: 'false',
      API_KEY_CACHE_MS: '60000',
      API_AUTH_FAILURE_RATE_PER_SEC: '0.01',
      API_AUTH_FAILURE_BURST: '5',
      STREAM_POLL_MS: '50',
      STREAM_MAX_PER_KEY: '2',
      STREAM_MAX_TOTAL: '3',
      STREAM_KEY_CHECK_MS: '200',
    },
    listen: false,
  });
  let keys: ApiKeyRepository;
  let base: string;
  const http = () => request(svc.app.getHttpServer());
  const clients: SseClient[] = [];
  const openStream = async (key: string, headers: Record<string, string> = {}) => {
    const c = await SseClient.open(`${base}/api/v1/stream`, {
      Authorization: `Bearer ${key}`,
      ...headers,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    keys = svc.app.get(ApiKeyRepository);
    base = await listenOnLoopback(svc.app);
  });
  svc.cleanup(async () => {
    for (const c of clients) c.close();
  });

  it('answers every accepted query form, and the others with 400 JSON', async () => {
    const auth = { Authorization: `Bearer ${(await keys.create('viewer')).key}` };
    await svc.app
      .get(DataSource)
      .query(`INSERT INTO portfolios (id, base_currency) VALUES ('pf-q', 'USD')`);
    for (const since of ['2024-01-31', '2024-01-31T09:30Z', '2024-01-31T09:30:00.123456+01:00'])
      await http().get('/api/v1/alerts').query({ since }).set(auth).expect(200);
    const forged = Buffer.from(
      '2024-13-45T99:99:99.999Z|0b0e3f5c-8d4e-4a4b-9c1d-2e3f4a5b6c7d',
    ).toString('base64url');
    const nonUuid = Buffer.from(`2024-01-31T09:30:00.000Z|${'-'.repeat(36)}`).toString('base64url');
    for (const [path, q] of [
      ['/api/v1/alerts', { since: '2024-W01' }],
      ['/api/v1/alerts', { since: '2024-001' }],
      ['/api/v1/alerts', { since: '2024-02-30' }],
      ['/api/v1/alerts', { since: '2024-01-31T09' }],
      ['/api/v1/alerts', { cursor: forged }],
      ['/api/v1/alerts', { cursor: nonUuid }],
      ['/api/v1/portfolios/pf-q/evaluations', { from: '2024-W01-1' }],
      ['/api/v1/portfolios/pf-q/evaluations', { to: '2024-01-31T09:30' }],
      ['/api/v1/portfolios/pf-q/evaluations', { cursor: forged }],
    ] as const) {
      const res = await http().get(path).query(q).set(auth);
      expect({ path, q, status: res.status }).toEqual({ path, q, status: 400 });
      expect(res.headers['content-type']).toMatch(/application\/json/);
    }
  });

  it('refuses a Last-Event-ID beyond 64 bits with 400, so clients do not reconnect in a loop', async () => {
    const key = (await keys.create('viewer')).key;
    for (const id of ['9223372036854775808-0', '1-9999999999999999999']) {
      const c = await openStream(key, { 'Last-Event-ID': id });
      expect({ id, status: c.status }).toEqual({ id, status: 400 });
      c.close();
    }
  });

  it('caps streams per key and in all (429 JSON), and frees a slot when a stream closes', async () => {
    const hub = svc.app.get(StreamHub);
    const [a, b] = [(await keys.create('viewer')).key, (await keys.create('viewer')).key];
    const a1 = await openStream(a);
    const a2 = await openStream(a);
    expect([a1.status, a2.status]).toEqual([200, 200]);
    const a3 = await fetch(`${base}/api/v1/stream`, { headers: { Authorization: `Bearer ${a}` } });
    expect(a3.status).toBe(429);
    expect(a3.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await a3.json()).toMatchObject({ statusCode: 429, message: /STREAM_MAX_PER_KEY/ });
    const b1 = await openStream(b);
    expect(b1.status).toBe(200);
    const b2 = await fetch(`${base}/api/v1/stream`, { headers: { Authorization: `Bearer ${b}` } });
    expect(b2.status).toBe(429);
    await b2.body?.cancel();
    a1.close();
    await waitFor(async () => hub.openCount() === 2, 10_000);
    const a4 = await openStream(a);
    expect(a4.status).toBe(200);
    for (const c of [a2, b1, a4]) c.close();
    await waitFor(async () => hub.openCount() === 0, 10_000);
  });

  it('ends a stream once its key is revoked, and the reconnect is refused', async () => {
    const hub = svc.app.get(StreamHub);
    const created = await keys.create('viewer');
    const c = await openStream(created.key);
    expect(c.status).toBe(200);
    await keys.revoke(created.id);
    await waitFor(async () => c.ended, 15_000, 'the stream to end');
    expect(hub.openCount()).toBe(0);
    // The key was cached for API_KEY_CACHE_MS (a minute here): the check forgot it.
    const again = await openStream(created.key);
    expect(again.status).toBe(401);
  });

  it('rate-limits failed authentications per address (429 JSON, Retry-After), valid cached keys still pass', async () => {
    const valid = (await keys.create('viewer')).key;
    await http().get('/api/v1/portfolios').set('Authorization', `Bearer ${valid}`).expect(200);
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 30; i++) {
      const res = await http()
        .get('/api/v1/portfolios')
        .set('Authorization', `Bearer ${i % 2 ? generateApiKey().key : `junk-${i}`}`);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    // The burst is 5 (one may be spent already by an earlier test); then every failure is a 429.
    const first = statuses.indexOf(429);
    expect(first).toBeGreaterThanOrEqual(4);
    expect(first).toBeLessThanOrEqual(5);
    expect(statuses.slice(0, first).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first).every((s) => s === 429)).toBe(true);
    expect(limited!.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited!.headers['content-type']).toMatch(/application\/json/);
    expect(limited!.body).toMatchObject({ statusCode: 429 });
    // No key at all counts as a failure too.
    await http().get('/api/v1/portfolios').expect(429);
    // A key this server already knows still works from that address.
    await http().get('/api/v1/portfolios').set('Authorization', `Bearer ${valid}`).expect(200);
  });
});
