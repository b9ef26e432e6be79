import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Evaluation } from '@risk/contracts';
import { RiskStore, openDatabase, type EvaluationOutcome } from '@risk/persistence';
import { useTestEnvironment } from './support/running-service';

/**
 * `RiskStore.commitOutcomes` writes many outcomes in a few multi-row statements (a story that
 * reaches hundreds of portfolios commits them together); the rows it leaves are those one
 * statement per outcome would leave: claims first-wins, a repeat commits nothing, a portfolio's
 * row is its last outcome's, a day's record its latest state, outbox rows in input order.
 */
describe('commitOutcomes in PostgreSQL', () => {
  const url = useTestEnvironment('commit-outcomes', { kafka: false }).config().databaseUrl;
  let ds: DataSource;
  let store: RiskStore;

  beforeAll(async () => {
    ds = await openDatabase(url);
    store = new RiskStore(ds);
    await ds.query(`INSERT INTO portfolios (id, base_currency) SELECT unnest($1::text[]), 'USD'`, [
      ['pf-1', 'pf-2', 'pf-3'],
    ]);
  });
  afterAll(async () => ds?.destroy());

  function outcome(
    portfolioId: string,
    eventId: string,
    opts: { asOf?: string; score?: number; alert?: boolean; peakNav?: number | null } = {},
  ): EvaluationOutcome {
    const ts = '2026-11-30T09:31:05.120Z';
    const score = opts.score ?? 0.5;
    const evaluation = {
      id: randomUUID(),
      portfolioId,
      ts,
      trigger: { topic: 'news.events', eventId },
      score,
      level: 'MEDIUM',
      metrics: { nav: 1000 + score, var99: 10, es99: 12 },
      explanation: { steps: [{ kind: 'news', text: `it's "quoted" \\ and {braced}` }] },
      timings: { totalMs: 1, reasoningMs: 0, cachedTokens: 0, newTokens: 0 },
    } as unknown as Evaluation;
    const alert = opts.alert
      ? {
          id: randomUUID(),
          portfolioId,
          ts,
          level: 'HIGH' as const,
          previousLevel: null,
          evaluationId: evaluation.id,
          reason: 'level rose',
          incidentId: `news.events:${eventId}`,
        }
      : null;
    return {
      source: { topic: 'news.events', eventId, scope: portfolioId },
      evaluation,
      alert,
      portfolio: { peakNav: opts.peakNav === undefined ? 1000 : opts.peakNav, breachedLimits: [] },
      outbox: [
        {
          topic: 'risk.evaluations',
          partition: 0,
          key: portfolioId,
          payload: `e:${evaluation.id}`,
        },
        ...(alert
          ? [{ topic: 'risk.alerts', partition: 0, key: portfolioId, payload: `a:${alert.id}` }]
          : []),
      ],
      closing: { asOf: opts.asOf ?? ts, cash: 5, positions: [] },
    };
  }

  const ids = (os: EvaluationOutcome[]) => os.map((o) => o.evaluation.id);
  const rows = (sql: string, args?: unknown[]) => ds.query<Record<string, unknown>[]>(sql, args);

  it('commits many outcomes as one statement per outcome would, and a repeat commits none', async () => {
    const a = outcome('pf-1', 'n1', { alert: true, asOf: '2026-11-30T10:00:00.000Z' });
    const b = outcome('pf-2', 'n1', { peakNav: null });
    // pf-1 again (another story) with an older state of the same day: the day keeps `a`.
    const c = outcome('pf-1', 'n2', { score: 0.7, asOf: '2026-11-30T09:00:00.000Z' });
    // The same source as `b`: the first claim wins.
    const dup = outcome('pf-2', 'n1', { score: 0.9 });
    const res = await store.commitOutcomes([a, b, c, dup]);
    expect(ids(res.committed)).toEqual(ids([a, b, c]));

    const evals = await rows(
      `SELECT id, portfolio_id, score, explanation FROM evaluations WHERE trigger_event_id IN ('n1', 'n2')
        ORDER BY portfolio_id, trigger_event_id`,
    );
    expect(evals.map((r) => r.id)).toEqual(ids([a, c, b]));
    expect(evals[0].explanation).toEqual(a.evaluation.explanation);
    const alerts = await ds.query(`SELECT id, evaluation_id, incident_id FROM alerts`);
    expect(alerts).toEqual([
      { id: a.alert!.id, evaluation_id: a.evaluation.id, incident_id: 'news.events:n1' },
    ]);
    const pf = await ds.query(
      `SELECT id, peak_nav, last_evaluation_id, last_score FROM portfolios WHERE id IN ('pf-1', 'pf-2') ORDER BY id`,
    );
    expect(pf).toEqual([
      { id: 'pf-1', peak_nav: 1000, last_evaluation_id: c.evaluation.id, last_score: 0.7 },
      { id: 'pf-2', peak_nav: null, last_evaluation_id: b.evaluation.id, last_score: 0.5 },
    ]);
    const days = await ds.query(
      `SELECT portfolio_id, evaluation_id FROM daily_risk ORDER BY portfolio_id`,
    );
    expect(days).toEqual([
      { portfolio_id: 'pf-1', evaluation_id: a.evaluation.id },
      { portfolio_id: 'pf-2', evaluation_id: b.evaluation.id },
    ]);
    const out = await rows(`SELECT payload FROM outbox ORDER BY id`);
    expect(out.map((r) => r.payload)).toEqual([
      `e:${a.evaluation.id}`,
      `a:${a.alert!.id}`,
      `e:${b.evaluation.id}`,
      `e:${c.evaluation.id}`,
    ]);

    // Redelivered: new evaluation ids, same sources; nothing is written.
    const again = await store.commitOutcomes([
      outcome('pf-1', 'n1', { alert: true }),
      outcome('pf-2', 'n1'),
      outcome('pf-1', 'n2'),
    ]);
    expect(again.committed).toEqual([]);
    expect(Number((await ds.query(`SELECT count(*) AS n FROM evaluations`))[0].n)).toBe(3);
    expect(Number((await ds.query(`SELECT count(*) AS n FROM outbox`))[0].n)).toBe(4);
  });

  it('keeps the latest state of a day, the later of two equal ones, and an existing newer one', async () => {
    const newer = outcome('pf-3', 'd1', { asOf: '2026-12-01T12:00:00.000Z' });
    const older = outcome('pf-3', 'd2', { asOf: '2026-12-01T11:00:00.000Z' });
    await store.commitOutcomes([newer, older]);
    const day = async () =>
      (
        await ds.query(
          `SELECT evaluation_id FROM daily_risk WHERE portfolio_id = 'pf-3' AND day = '2026-12-01'`,
        )
      )[0].evaluation_id as string;
    expect(await day()).toBe(newer.evaluation.id);

    const tie1 = outcome('pf-3', 'd3', { asOf: '2026-12-01T12:00:00.000Z' });
    const tie2 = outcome('pf-3', 'd4', { asOf: '2026-12-01T12:00:00.000Z' });
    const stale = outcome('pf-3', 'd5', { asOf: '2026-12-01T08:00:00.000Z' });
    await store.commitOutcomes([tie1, tie2, stale]);
    expect(await day()).toBe(tie2.evaluation.id);
    // Another day of the same commit gets its own record.
    const next = outcome('pf-3', 'd6', { asOf: '2026-12-02T00:00:00.000Z' });
    await store.commitOutcomes([next, outcome('pf-3', 'd7', { asOf: '2026-12-01T13:00:00.000Z' })]);
    const days2 = await rows(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, evaluation_id FROM daily_risk WHERE portfolio_id = 'pf-3' ORDER BY day`,
    );
    expect(days2.map((r) => r.day)).toEqual(['2026-12-01', '2026-12-02']);
    expect(days2[1].evaluation_id).toBe(next.evaluation.id);
  });

  it('commits a thousand outcomes in one call', async () => {
    const many = Array.from({ length: 1200 }, (_, i) => outcome('pf-2', `m${i}`));
    const res = await store.commitOutcomes(many);
    expect(res.committed).toHaveLength(1200);
    const [row] = await ds.query(`SELECT last_evaluation_id FROM portfolios WHERE id = 'pf-2'`);
    expect(row.last_evaluation_id).toBe(many[1199].evaluation.id);
    const out = await rows(
      `SELECT payload FROM outbox WHERE payload = ANY($1::text[]) ORDER BY id`,
      [many.map((o) => `e:${o.evaluation.id}`)],
    );
    expect(out.map((r) => r.payload)).toEqual(many.map((o) => `e:${o.evaluation.id}`));
  });
});
