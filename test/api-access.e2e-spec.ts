import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';
import { runCli } from '../scripts/cli';
import { listenOnLoopback, useRunningService } from './support/running-service';

interface Route {
  method: string;
  path: string;
}

/** Every route the Nest router serves, read from Express's own router (nothing hand-listed). */
function allRoutes(app: INestApplication): Route[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  const routes: Route[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    const methods = Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m]);
    // Nest registers each controller handler for one method; global middleware (logging) is
    // registered on '/' for every method at once and serves nothing itself.
    if (methods.length !== 1 || methods[0] === '_all') continue;
    routes.push({ method: methods[0].toUpperCase(), path: layer.route.path });
  }
  return routes;
}

const SAMPLE_UUID = '00000000-0000-4000-8000-000000000000';
const concrete = (path: string) =>
  path
    .replace(/:id/g, SAMPLE_UUID)
    .replace(/:file/g, 'uPlot.min.css')
    .replace(/:[a-zA-Z]+/g, 'x');

/**
 * Public on purpose: liveness, the dashboard shell and the OpenAPI document (static files with
 * no data in them).
 */
const isPublic = (r: Route) =>
  PUBLIC.has(`${r.method} ${r.path}`) || r.path.startsWith('/api/docs');
const PUBLIC = new Set([
  'GET /health',
  'GET /',
  'GET /dashboard',
  'GET /dashboard/dashboard.css',
  'GET /dashboard/vendor/:file',
]);

describe('access control', () => {
  const svc = useRunningService('apiaccess', {
    env: {
      API_RATE_LIMIT_PER_SEC: '1',
      API_RATE_LIMIT_BURST: '40',
      API_KEY_CACHE_MS: '0',
      // Every route is tried with wrong keys from one address (test/api-abuse covers the limit).
      API_AUTH_FAILURE_BURST: '100000',
      WEBHOOK_WORKER: 'false',
    },
    listen: false,
  });
  let keys: ApiKeyRepository;
  let viewer: string;
  let admin: string;
  const http = () => request(svc.app.getHttpServer());
  const call = (r: Route) => {
    const agent = http();
    const path = concrete(r.path);
    switch (r.method) {
      case 'GET':
        return agent.get(path);
      case 'POST':
        return agent.post(path).send({});
      case 'DELETE':
        return agent.delete(path);
      case 'PUT':
        return agent.put(path).send({});
      case 'PATCH':
        return agent.patch(path).send({});
      default:
        throw new Error(`method ${r.method} of ${r.path} not covered by this test`);
    }
  };

  beforeAll(async () => {
    keys = new ApiKeyRepository(svc.app.get(DataSource));
    viewer = (await keys.create('viewer')).key;
    admin = (await keys.create('admin')).key;
  });

  it('finds every route of the contract in the router', () => {
    const names = allRoutes(svc.app).map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'GET /api/v1/portfolios',
      'GET /api/v1/portfolios/:id/risk',
      'GET /api/v1/portfolios/:id/evaluations',
      'GET /api/v1/evaluations/:id',
      'GET /api/v1/alerts',
      'POST /api/v1/webhooks',
      'GET /api/v1/webhooks',
      'DELETE /api/v1/webhooks/:id',
      'GET /api/v1/webhooks/:id/deliveries',
      'GET /api/v1/stream',
      'GET /ready',
      'GET /metrics',
      'GET /health',
    ])
      expect(names).toContain(expected);
  });

  it('refuses every route but the public ones without a key or with a wrong one (401 JSON)', async () => {
    const routes = allRoutes(svc.app).filter((r) => !isPublic(r));
    expect(routes.length).toBeGreaterThanOrEqual(12);
    for (const r of routes) {
      const label = `${r.method} ${r.path}`;
      for (const auth of [
        undefined,
        'Bearer rsk_wrongwrongwrongwrongwrongwrongwrongwrongwro',
        'Bearer ',
        'Basic dXNlcjpwYXNz',
        `Bearer ${viewer}x`,
      ]) {
        const req = call(r);
        if (auth !== undefined) void req.set('Authorization', auth);
        const res = await req;
        expect({ label, auth, status: res.status }).toEqual({ label, auth, status: 401 });
        expect(res.headers['content-type']).toMatch(/application\/json/);
        expect(res.body).toMatchObject({ statusCode: 401 });
      }
      // The query-string key is only for the stream, and a wrong one is refused there too.
      const q = await call({ method: r.method, path: `${r.path}?access_token=nope` });
      expect({ label, status: q.status }).toEqual({ label, status: 401 });
    }
  });

  it('serves the public routes without a key', async () => {
    await http().get('/health').expect(200, { status: 'ok' });
    await http()
      .get('/dashboard')
      .expect(200)
      .expect('content-type', /text\/html/);
    await http().get('/').expect(302).expect('location', '/dashboard');
  });

  it('lets a viewer read but not manage webhooks (403 JSON)', async () => {
    const auth = `Bearer ${viewer}`;
    await http().get('/api/v1/portfolios').set('Authorization', auth).expect(200);
    await http().get('/ready').set('Authorization', auth).expect(200);
    await http().get('/metrics').set('Authorization', auth).expect(200);
    const webhookRoutes = allRoutes(svc.app).filter((r) => r.path.startsWith('/api/v1/webhooks'));
    expect(webhookRoutes).toHaveLength(4);
    for (const r of webhookRoutes) {
      const res = await call(r).set('Authorization', auth);
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({
        route: `${r.method} ${r.path}`,
        status: 403,
      });
      expect(res.body).toMatchObject({ statusCode: 403 });
    }
    await http().get('/api/v1/webhooks').set('Authorization', `Bearer ${admin}`).expect(200);
  });

  it('accepts the key as access_token on the stream only', async () => {
    await http().get(`/api/v1/portfolios?access_token=${viewer}`).expect(401);
    const base = await listenOnLoopback(svc.app);
    const res = await fetch(`${base}/api/v1/stream?access_token=${viewer}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    await res.body?.cancel();
  });

  it('rate-limits each key with a token bucket: 429 JSON with Retry-After', async () => {
    const key = (await keys.create('viewer')).key;
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 45; i++) {
      const res = await http().get('/api/v1/portfolios').set('Authorization', `Bearer ${key}`);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(40);
    expect(limited).toBeDefined();
    expect(limited!.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited!.body).toMatchObject({ statusCode: 429 });
    // Another key has its own bucket.
    await http().get('/api/v1/portfolios').set('Authorization', `Bearer ${admin}`).expect(200);
  });

  it('creates, lists and revokes keys with the CLI; a revoked key is refused', async () => {
    const prev = process.env.DATABASE_URL;
    process.env.DATABASE_URL = svc.cfg.databaseUrl;
    try {
      const out: string[] = [];
      await runCli(['keys', 'create', '--role', 'viewer', '--name', 'cli-test'], (l) =>
        out.push(l),
      );
      const key = /^key\s+(\S+)$/m.exec(out.join('\n'))![1];
      const id = /^id\s+(\S+)$/m.exec(out.join('\n'))![1];
      await http().get('/api/v1/alerts').set('Authorization', `Bearer ${key}`).expect(200);
      const listed: string[] = [];
      await runCli(['keys', 'list'], (l) => listed.push(l));
      expect(listed.join('\n')).toContain(id);
      expect(listed.join('\n')).not.toContain(key);
      const stored = await svc.app
        .get(DataSource)
        .query('SELECT key_hash FROM api_keys WHERE id = $1', [id]);
      expect(stored[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
      await runCli(['keys', 'revoke', id], () => undefined);
      const res = await http()
        .get('/api/v1/alerts')
        .set('Authorization', `Bearer ${key}`)
        .expect(401);
      expect(res.body).toMatchObject({ statusCode: 401 });
      await expect(runCli(['keys', 'create', '--role', 'root'], () => undefined)).rejects.toThrow(
        /role/,
      );
    } finally {
      process.env.DATABASE_URL = prev;
    }
  });

  it('answers bad webhook subscriptions with a 4xx JSON body', async () => {
    const post = (body: unknown) =>
      http()
        .post('/api/v1/webhooks')
        .set('Authorization', `Bearer ${admin}`)
        .send(body as object);
    const bad: [unknown, RegExp][] = [
      [{}, /url/],
      [{ url: 'https://example.com/h' }, /minLevel/],
      [{ url: 'not a url', minLevel: 'HIGH' }, /url/],
      [{ url: 'ftp://example.com/h', minLevel: 'HIGH' }, /url/],
      [{ url: 'https://example.com/h', minLevel: 'SEVERE' }, /minLevel/],
      [{ url: 'https://example.com/h', minLevel: 'HIGH', portfolioIds: 'pf-a' }, /portfolioIds/],
      [
        { url: 'https://example.com/h', minLevel: 'HIGH', portfolioIds: ['bad id'] },
        /portfolioIds/,
      ],
      [{ url: 'https://example.com/h', minLevel: 'HIGH', extra: 1 }, /extra/],
      // The SSRF guard: private, loopback and link-local targets are refused by default.
      [{ url: 'http://127.0.0.1:8080/h', minLevel: 'HIGH' }, /disallowed/],
      [{ url: 'http://localhost:8080/h', minLevel: 'HIGH' }, /disallowed/],
      [{ url: 'http://10.1.2.3/h', minLevel: 'HIGH' }, /disallowed/],
      [{ url: 'http://169.254.169.254/latest/meta-data', minLevel: 'HIGH' }, /disallowed/],
      [{ url: 'http://[::1]/h', minLevel: 'HIGH' }, /disallowed/],
      [{ url: 'http://[::ffff:192.168.0.1]/h', minLevel: 'HIGH' }, /disallowed/],
      [{ url: 'http://user:pw@example.com/h', minLevel: 'HIGH' }, /credentials/],
    ];
    for (const [body, message] of bad) {
      const res = await post(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    }
    const badJson = await http()
      .post('/api/v1/webhooks')
      .set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'application/json')
      .send('{"url":');
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ statusCode: 400 });
    const auth = { Authorization: `Bearer ${admin}` };
    await http().delete('/api/v1/webhooks/not-a-uuid').set(auth).expect(400);
    await http().delete(`/api/v1/webhooks/${SAMPLE_UUID}`).set(auth).expect(404);
    await http().get(`/api/v1/webhooks/${SAMPLE_UUID}/deliveries`).set(auth).expect(404);
    await http().get(`/api/v1/webhooks/${SAMPLE_UUID}/deliveries?limit=0`).set(auth).expect(400);
  });

  it('documents every protected route in the OpenAPI document with bearer auth', async () => {
    const doc = await http().get('/api/docs-json').expect(200);
    const paths = Object.keys(doc.body.paths as object);
    for (const p of ['/api/v1/webhooks', '/api/v1/webhooks/{id}/deliveries', '/api/v1/stream'])
      expect(paths).toContain(p);
  });
});
