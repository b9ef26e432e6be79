import { DataSource } from 'typeorm';
import { RetentionService } from '@risk/platform';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';
import { query } from './support/harness';
import { insertAlerts } from './support/risk-rows';
import { listenOnLoopback, useRunningService } from './support/running-service';
import { SseClient, type SseEvent } from './support/sse-client';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /api/v1/stream: committed evaluations and alerts, live, filterable, resumable. */
describe('SSE stream', () => {
  const svc = useRunningService('apistream', {
    // Streams here come and go faster than the server sees them close: no per-key cap.
    env: { STREAM_POLL_MS: '50', STREAM_MAX_PER_KEY: '100', WEBHOOK_WORKER: 'false' },
    listen: false,
  });
  const cfg = svc.cfg;
  let base: string;
  let key: string;
  const clients: SseClient[] = [];
  const open = async (query = '', headers: Record<string, string> = {}) => {
    const c = await SseClient.open(`${base}/api/v1/stream${query}`, {
      Authorization: `Bearer ${key}`,
      ...headers,
    });
    clients.push(c);
    return c;
  };
  const refs = (events: SseEvent[]) =>
    events.map((e) => `${e.event}:${(JSON.parse(e.data) as { id: string }).id}`);

  beforeAll(async () => {
    base = await listenOnLoopback(svc.app);
    key = (await new ApiKeyRepository(svc.app.get(DataSource)).create('viewer')).key;
  });

  svc.cleanup(async () => {
    // One stream stays open: shutdown must end it rather than wait for the client.
    await open();
    await svc.close(svc.app);
    for (const c of clients) c.close();
  });

  it('streams evaluations and alerts as they commit, in commit order, with the payloads', async () => {
    const c = await open();
    expect(c.status).toBe(200);
    const [a] = await insertAlerts(cfg.databaseUrl, [
      { portfolioId: 'pf-s1', level: 'HIGH', incidentId: 'news.events:n-9' },
    ]);
    const events = await c.waitForCount(2);
    expect(refs(events)).toEqual([`evaluation:${a.evaluationId}`, `alert:${a.alertId}`]);
    const ev = JSON.parse(events[0].data);
    expect(ev).toMatchObject({
      portfolioId: 'pf-s1',
      level: 'HIGH',
      explanation: { steps: [expect.anything()] },
    });
    expect(JSON.parse(events[1].data)).toMatchObject({
      id: a.alertId,
      evaluationId: a.evaluationId,
      incidentId: 'news.events:n-9',
    });
    expect(events.every((e) => e.id && /^\d+-\d+$/.test(e.id))).toBe(true);
    c.close();
  });

  it('filters by portfolio', async () => {
    const c = await open('?portfolioId=pf-f1,pf-f3');
    await insertAlerts(cfg.databaseUrl, [
      { portfolioId: 'pf-f1', level: 'HIGH', withAlert: false },
      { portfolioId: 'pf-f2', level: 'HIGH', withAlert: false },
      { portfolioId: 'pf-f3', level: 'HIGH', withAlert: false },
    ]);
    await c.waitForCount(2);
    await pause(300);
    expect(
      c.events.map((e) => (JSON.parse(e.data) as { portfolioId: string }).portfolioId),
    ).toEqual(['pf-f1', 'pf-f3']);
    c.close();
  });

  it('resumes with Last-Event-ID without gaps or repeats', async () => {
    const c = await open('?portfolioId=pf-r');
    const first = await insertAlerts(cfg.databaseUrl, [{ portfolioId: 'pf-r', level: 'HIGH' }]);
    await c.waitForCount(2);
    const last = c.events[1].id!;
    c.close();
    // Written while nobody listens: one transaction with two alerts, then three more.
    const missed = await insertAlerts(cfg.databaseUrl, [
      { portfolioId: 'pf-r', level: 'HIGH' },
      { portfolioId: 'pf-r', level: 'CRITICAL' },
    ]);
    for (let i = 0; i < 3; i++)
      missed.push(
        ...(await insertAlerts(cfg.databaseUrl, [
          { portfolioId: 'pf-r', level: 'HIGH', withAlert: false },
        ])),
      );
    const resumed = await open('?portfolioId=pf-r', { 'Last-Event-ID': last });
    const later = await insertAlerts(cfg.databaseUrl, [
      { portfolioId: 'pf-r', level: 'LOW', withAlert: false },
    ]);
    const events = await resumed.waitForCount(8);
    await pause(300);
    expect(refs(resumed.events)).toEqual([
      `evaluation:${missed[0].evaluationId}`,
      `alert:${missed[0].alertId}`,
      `evaluation:${missed[1].evaluationId}`,
      `alert:${missed[1].alertId}`,
      `evaluation:${missed[2].evaluationId}`,
      `evaluation:${missed[3].evaluationId}`,
      `evaluation:${missed[4].evaluationId}`,
      `evaluation:${later[0].evaluationId}`,
    ]);
    expect(events.map((e) => e.id)).not.toContain(last);
    void first;
    // The same through the query parameter (for the first connection of an EventSource).
    const viaQuery = await open(`?portfolioId=pf-r&lastEventId=${last}`);
    await viaQuery.waitForCount(8);
    expect(refs(viaQuery.events)).toEqual(refs(resumed.events));
  });

  it('never skips a row whose transaction commits after a later one', async () => {
    const c = await open('?portfolioId=pf-race');
    let slowIds: string[] = [];
    // Transaction A writes first (lower sequence) but commits last; B commits in between.
    const slow = insertAlerts(
      cfg.databaseUrl,
      [{ portfolioId: 'pf-race', level: 'HIGH' }],
      async () => {
        const fast = await insertAlerts(cfg.databaseUrl, [
          { portfolioId: 'pf-race', level: 'CRITICAL' },
        ]);
        slowIds = fast.map((f) => f.alertId);
        await pause(600);
        // B is committed, but the stream holds it back while A is open.
        expect(c.events).toHaveLength(0);
      },
    );
    const a = await slow;
    await c.waitForCount(4);
    const got = refs(c.events);
    expect(got).toContain(`alert:${a[0].alertId}`);
    expect(got).toContain(`alert:${slowIds[0]}`);
    // A client that stopped after any prefix and resumed from its last id gets the rest.
    for (let cut = 1; cut < 4; cut++) {
      const r = await open('?portfolioId=pf-race', { 'Last-Event-ID': c.events[cut - 1].id! });
      await r.waitForCount(4 - cut);
      expect(refs(r.events)).toEqual(got.slice(cut));
      r.close();
    }
    c.close();
  });

  it('says so when a Last-Event-ID is past the retention window, then goes on', async () => {
    const c = await open('?portfolioId=pf-g');
    const old = await insertAlerts(cfg.databaseUrl, [{ portfolioId: 'pf-g', level: 'HIGH' }]);
    const [oldEval, oldAlert] = await c.waitForCount(2);
    c.close();
    // Everything up to `old` is older than the 72 h kept; what follows is recent.
    await query(
      cfg.databaseUrl,
      `UPDATE stream_events SET created_at = now() - interval '100 hours'
        WHERE (tx_id, seq) <= (SELECT tx_id, seq FROM stream_events WHERE ref_id = $1)`,
      [old[0].alertId],
    );
    const recent = await insertAlerts(cfg.databaseUrl, [
      { portfolioId: 'pf-g', level: 'CRITICAL' },
    ]);
    // The app's own scheduled run may hold the lock for a moment.
    let run = await svc.app.get(RetentionService).runOnce();
    while (!run) {
      await pause(100);
      run = await svc.app.get(RetentionService).runOnce();
    }
    expect(run.deleted.stream_events).toBeGreaterThanOrEqual(2);
    expect(run.streamHorizon && `${run.streamHorizon.txId}-${run.streamHorizon.seq}`).toBe(
      oldAlert.id,
    );

    // Resuming from before the horizon: a `gap` event first, then everything still kept.
    const behind = await open('?portfolioId=pf-g', { 'Last-Event-ID': oldEval.id! });
    const events = await behind.waitForCount(3);
    expect(events[0].event).toBe('gap');
    expect(events[0].id).toBe(oldAlert.id);
    expect(JSON.parse(events[0].data)).toMatchObject({
      reason: 'retention',
      lastEventId: oldEval.id,
      resumeAfter: oldAlert.id,
      retentionHours: 72,
    });
    expect(refs(events.slice(1))).toEqual([
      `evaluation:${recent[0].evaluationId}`,
      `alert:${recent[0].alertId}`,
    ]);
    // Resuming from the horizon itself, or with no id, loses nothing: no gap.
    const atHorizon = await open('?portfolioId=pf-g', { 'Last-Event-ID': oldAlert.id! });
    await atHorizon.waitForCount(2);
    await pause(300);
    expect(refs(atHorizon.events)).toEqual(refs(events.slice(1)));
    const live = await open('?portfolioId=pf-g');
    await pause(300);
    expect(live.events).toEqual([]);
    for (const x of [behind, atHorizon, live]) x.close();
  });

  it('refuses a Last-Event-ID it did not issue, and requests without a key', async () => {
    const bad = await SseClient.open(`${base}/api/v1/stream`, {
      Authorization: `Bearer ${key}`,
      'Last-Event-ID': 'garbage',
    });
    expect(bad.status).toBe(400);
    bad.close();
    const none = await SseClient.open(`${base}/api/v1/stream`);
    expect(none.status).toBe(401);
    none.close();
    const viaToken = await SseClient.open(`${base}/api/v1/stream?access_token=${key}`);
    expect(viaToken.status).toBe(200);
    viaToken.close();
  });
});
