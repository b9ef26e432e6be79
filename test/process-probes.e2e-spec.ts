import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { waitFor } from './support/harness';
import { useTestEnvironment } from './support/running-service';
import { freePort, kill, spawnApp } from './support/service-process';

async function answers(base: string, path: string): Promise<boolean> {
  try {
    return (await request(base).get(path).timeout(2000)).status === 200;
  } catch {
    return false;
  }
}

/**
 * Every deployable process serves /health, /ready and /metrics on its PORT without an API key
 * (docs/contract.md § HTTP API), started as production starts it: its own main.ts, its own process.
 */
describe('process probes', () => {
  const env = useTestEnvironment('probes');
  const children: ChildProcess[] = [];

  beforeAll(() => env.cleanup(() => Promise.all(children.map((c) => kill(c, 'SIGTERM')))));

  const start = async (app: 'all' | 'ingest' | 'risk-engine' | 'api', extra = {}) => {
    const port = await freePort();
    const child = spawnApp(app, env.config({ PORT: String(port), INSTANCE_ID: `probe-${app}` }), {
      REASONING_ENABLED: 'false',
      HOST: '127.0.0.1',
      ...extra,
    });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(() => answers(base, '/health'), 90_000, `${app} /health`);
    return { base, child };
  };

  for (const app of ['ingest', 'risk-engine', 'api', 'all'] as const) {
    it(`${app}: /health, /ready and /metrics answer without a key`, async () => {
      const { base, child } = await start(app);
      await request(base).get('/health').expect(200, { status: 'ok' });
      // Ready once its consumers joined their groups.
      await waitFor(() => answers(base, '/ready'), 60_000, `${app} /ready`);
      const ready = await request(base).get('/ready').expect(200);
      expect(ready.body.info).toMatchObject({
        postgres: { status: 'up' },
        kafka: { status: 'up' },
        consumers: { status: 'up' },
      });
      const metrics = await request(base).get('/metrics').expect(200);
      expect(metrics.headers['content-type']).toMatch(/text\/plain/);
      expect(metrics.text).toContain('# TYPE risk_input_messages_total counter');
      await kill(child, 'SIGTERM');
      // A signal closes the app in order and the process exits 0.
      expect(child.exitCode).toBe(0);
    });
  }

  it('/ready says Kafka is unreachable, within the 2 s the contract allows', async () => {
    const { base } = await start('api', { KAFKA_BROKERS: `127.0.0.1:${await freePort()}` });
    // The contract's bound is the request's timeout: a slower answer fails the test.
    const res = await request(base).get('/ready').timeout(2000);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ kafka: { status: 'down' } });
    expect(res.body.info).toMatchObject({ postgres: { status: 'up' } });
  });
});
