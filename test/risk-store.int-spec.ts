import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RiskStore, openDatabase, type EvaluationOutcome } from '@risk/persistence';
import { useTestEnvironment } from './support/running-service';

/** An outcome as the engine builds it, for `portfolioId` triggered by `eventId` at `ts`. */
function outcome(
  portfolioId: string,
  eventId: string,
  ts: string,
  opts: { score?: number; alert?: boolean; asOf?: string; nav?: number } = {},
): EvaluationOutcome {
  const id = randomUUID();
  const score = opts.score ?? 0.4;
  return {
    source: { topic: 'market.ticks', eventId, scope: portfolioId },
    evaluation: {
      id,
      portfolioId,
      ts,
      trigger: { topic: 'market.ticks', eventId },
      score,
      level: score > 0.7 ? 'HIGH' : 'LOW',
      metrics: {
        nav: opts.nav ?? 1000,
        grossExposure: 1,
        netExposure: 1,
        maxWeight: 0.1,
        maxWeightSymbol: 'A',
        hhi: 0.1,
        var99: 10,
        es99: 12,
        volAnnualized: 0.2,
        drawdown: 0,
      },
      explanation: { steps: [], models: {} },
      timings: { totalMs: 1, reasoningMs: 0, cachedTokens: 0, newTokens: 0 },
    },
    alert: opts.alert
      ? {
          id: randomUUID(),
          portfolioId,
          ts,
          level: 'HIGH',
          previousLevel: 'LOW',
          evaluationId: id,
          reason: 'level rose',
        }
      : null,
    portfolio: { peakNav: opts.nav ?? 1000, breachedLimits: [] },
    outbox: [
      { topic: 'risk.evaluations', partition: 0, key: portfolioId, payload: `${eventId}:${id}` },
    ],
    closing: { asOf: opts.asOf ?? ts, cash: 100, positions: [] },
  };
}

/**
 * A batch of outcomes is written with one statement per table; what it leaves must be what
 * writing them one after the other left (exactly once, last state wins, outbox order).
 */
describe('RiskStore.commitOutcomes', () => {
  const url = useTestEnvironment('risk-store', { kafka: false }).config().databaseUrl;
  let ds: DataSource;
  let store: RiskStore;

  beforeAll(async () => {
    ds = await openDatabase(url);
    store = new RiskStore(ds);
    for (const id of ['pf-a', 'pf-b'])
      await ds.query(`INSERT INTO portfolios (id, base_currency) VALUES ($1, 'USD')`, [id]);
  });
  afterAll(async () => ds?.destroy());

  it('commits a batch exactly once, in order, with each portfolio and day as its last outcome leaves it', async () => {
    const day = '2026-12-01';
    const earlier = await store.commitOutcomes([outcome('pf-a', 't-0', `${day}T10:00:00.000Z`)]);
    expect(earlier.committed).toHaveLength(1);

    const batch = [
      outcome('pf-a', 't-0', `${day}T10:00:00.000Z`), // claimed by the earlier commit
      outcome('pf-a', 't-1', `${day}T10:01:00.000Z`, { score: 0.9, alert: true, nav: 1100 }),
      outcome('pf-b', 't-1', `${day}T10:01:00.000Z`, { nav: 500 }),
      outcome('pf-a', 't-1', `${day}T10:01:00.000Z`), // the same claim twice in one batch
      // pf-a's latest outcome, but an older as-of: the day keeps t-1's record.
      outcome('pf-a', 't-2', `${day}T10:02:00.000Z`, {
        asOf: `${day}T09:00:00.000Z`,
        nav: 1200,
      }),
      // pf-b: two outcomes of the same instant; the later one wins the day.
      outcome('pf-b', 't-3', `${day}T10:05:00.000Z`, { nav: 510 }),
      outcome('pf-b', 't-4', `${day}T10:05:00.000Z`, { nav: 520 }),
    ];
    const res = await store.commitOutcomes(batch);
    expect(res.committed).toEqual([batch[1], batch[2], batch[4], batch[5], batch[6]]);

    const evaluations = await ds.query<{ pid: string; ev: string }[]>(
      `SELECT portfolio_id AS pid, trigger_event_id AS ev FROM evaluations ORDER BY portfolio_id, trigger_event_id`,
    );
    expect(evaluations.map((r) => `${r.pid}/${r.ev}`)).toEqual([
      'pf-a/t-0',
      'pf-a/t-1',
      'pf-a/t-2',
      'pf-b/t-1',
      'pf-b/t-3',
      'pf-b/t-4',
    ]);
    expect(
      await ds
        .query(`SELECT evaluation_id FROM alerts`)
        .then((r: { evaluation_id: string }[]) => r.map((x) => x.evaluation_id)),
    ).toEqual([batch[1].evaluation.id]);
    // Outbox ids follow the committed outcomes' order.
    const outbox = await ds.query<{ payload: string }[]>(`SELECT payload FROM outbox ORDER BY id`);
    expect(outbox.map((r) => r.payload)).toEqual(
      [earlier.committed[0], ...res.committed].map((o) => o.outbox[0].payload),
    );
    const portfolios = await ds.query<{ id: string; last: string; peak: number }[]>(
      `SELECT id, last_evaluation_id AS last, peak_nav AS peak FROM portfolios ORDER BY id`,
    );
    expect(portfolios).toEqual([
      { id: 'pf-a', last: batch[4].evaluation.id, peak: 1200 },
      { id: 'pf-b', last: batch[6].evaluation.id, peak: 520 },
    ]);
    const daily = await ds.query<{ pid: string; eid: string }[]>(
      `SELECT portfolio_id AS pid, evaluation_id AS eid FROM daily_risk ORDER BY portfolio_id`,
    );
    expect(daily).toEqual([
      { pid: 'pf-a', eid: batch[1].evaluation.id },
      { pid: 'pf-b', eid: batch[6].evaluation.id },
    ]);

    // The whole batch again: nothing.
    const again = await store.commitOutcomes(batch);
    expect(again.committed).toEqual([]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM outbox`)).toEqual([{ n: 6 }]);
  });

  it('stores explanations, positions and outbox payloads exactly, whatever characters they hold', async () => {
    const text = 'quote " backslash \\ \\" tab \t newline \n unicode é 東京 😀 \u2028 {"a":[1]}';
    const o = outcome('pf-a', 'odd-1', '2026-12-20T10:00:00.000Z');
    o.evaluation.explanation = {
      steps: [{ kind: 'metric', text, data: { s: text, n: -0.000001, big: 1e21, nested: [text] } }],
      models: { tree: 'trees@3' },
    };
    o.closing.positions = [{ symbol: `ODD"${text}`, quantity: 1.5, price: 100 }];
    o.outbox[0].payload = JSON.stringify({ text, evaluation: o.evaluation });
    const res = await store.commitOutcomes([o]);
    expect(res.committed).toHaveLength(1);
    const [ev] = await ds.query<{ explanation: unknown }[]>(
      `SELECT explanation FROM evaluations WHERE id = $1`,
      [o.evaluation.id],
    );
    expect(ev.explanation).toEqual(JSON.parse(JSON.stringify(o.evaluation.explanation)));
    const [day] = await ds.query<{ positions: unknown }[]>(
      `SELECT positions FROM daily_risk WHERE evaluation_id = $1`,
      [o.evaluation.id],
    );
    expect(day.positions).toEqual(o.closing.positions);
    const [row] = await ds.query<{ payload: string }[]>(
      `SELECT payload FROM outbox WHERE payload LIKE '%odd-1%'`,
    );
    expect(row.payload).toBe(o.outbox[0].payload);
  });

  it("sends the engine's evaluation JSON once: the outbox payload as it is, the JSON columns from it", async () => {
    // What JSON.stringify writes and jsonb would not keep: key order, -0 as 0, 1e-7, 1e21,
    // escapes of quotes, backslashes and control characters, astral text and U+2028.
    const odd = 'q " b \\ \\" c \u0001\u001f\b\f\r\t\n 😀 𝄞 東京 \u2028 {"a":[1]}';
    const o = outcome('pf-b', 'once-1', '2026-12-21T10:00:00.000Z', { alert: true });
    o.evaluation.explanation = {
      steps: [{ kind: 'metric', text: odd, data: { z: -0, a: 1e-7, m: 1e21, f: 0.1 + 0.2 } }],
      models: { zeta: odd, alpha: 'trees@3' },
    };
    o.evaluation.metrics.drawdown = -0;
    o.evaluation.metrics.hhi = 1e-7;
    const json = JSON.stringify(o.evaluation);
    o.outbox = [
      { topic: 'risk.evaluations', partition: 0, key: 'pf-b', payload: json, isEvaluation: true },
      { topic: 'risk.alerts', partition: 0, key: 'pf-b', payload: JSON.stringify(o.alert) },
    ];
    const before = await ds.query<{ id: string }[]>(`SELECT max(id)::text AS id FROM outbox`);
    const res = await store.commitOutcomes([o]);
    expect(res.committed).toEqual([o]);

    const rowsOut = await ds.query<{ payload: string; topic: string; rt: string }[]>(
      `SELECT payload, topic, payload::jsonb::text AS rt FROM outbox WHERE id > $1 ORDER BY id`,
      [before[0].id],
    );
    expect(rowsOut.map((r) => r.topic)).toEqual(['risk.evaluations', 'risk.alerts']);
    // Byte for byte the engine's text, which a jsonb round trip would not have kept.
    expect(Buffer.from(rowsOut[0].payload).equals(Buffer.from(json))).toBe(true);
    expect(rowsOut[0].rt).not.toBe(json);
    expect(rowsOut[1].payload).toBe(JSON.stringify(o.alert));
    const [ev] = await ds.query<{ metrics: unknown; explanation: unknown; timings: unknown }[]>(
      `SELECT metrics, explanation, timings FROM evaluations WHERE id = $1`,
      [o.evaluation.id],
    );
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(ev).toEqual({
      metrics: parsed.metrics,
      explanation: parsed.explanation,
      timings: parsed.timings,
    });

    // Another claim of the same trigger (a second scope), alone and twice in a batch with a new
    // one: the duplicate inserts no evaluation and no outbox row, the new one its own rows.
    const dup = (scope: string) => {
      const d = outcome('pf-b', 'once-1', '2026-12-21T10:00:00.000Z', { alert: true });
      d.source.scope = scope;
      d.outbox = [{ ...d.outbox[0], payload: JSON.stringify(d.evaluation), isEvaluation: true }];
      return d;
    };
    const count = async () =>
      (await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM outbox`))[0].n;
    const n0 = await count();
    expect((await store.commitOutcomes([dup('other-1')])).committed).toEqual([]);
    expect(await count()).toBe(n0);
    const fresh = outcome('pf-b', 'once-2', '2026-12-21T10:01:00.000Z');
    fresh.outbox = [
      { ...fresh.outbox[0], payload: JSON.stringify(fresh.evaluation), isEvaluation: true },
    ];
    const mixed = await store.commitOutcomes([dup('other-2'), fresh, dup('other-3')]);
    expect(mixed.committed).toEqual([fresh]);
    const last = await ds.query<{ payload: string }[]>(
      `SELECT payload FROM outbox ORDER BY id DESC LIMIT 1`,
    );
    expect(await count()).toBe(n0 + 1);
    expect(last[0].payload).toBe(fresh.outbox[0].payload);
    expect(
      await ds.query(
        `SELECT count(*)::int AS n FROM alerts WHERE evaluation_id = ANY($1::uuid[])`,
        [[o.evaluation.id]],
      ),
    ).toEqual([{ n: 1 }]);
  });
});
