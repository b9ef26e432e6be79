import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineCore, type OutputTopics, type PortfolioState } from './engine-core';
import { portfolioState } from './testing/portfolio-state';

/*
 * The published evaluation, byte for byte: every payload a deterministic market and a set of
 * awkward portfolios give is compared with the golden file, written by the code before the
 * evaluation was made cheaper (fast paths must change no figure and no character of text).
 * Regenerate only for an intended change of the published output: UPDATE_GOLDEN=1 npx jest <this>.
 */
const GOLDEN = join(__dirname, 'testing', 'evaluation-golden.json');

const out: OutputTopics = {
  evaluations: 'risk.evaluations',
  alerts: 'risk.alerts',
  partitionFor: () => 0,
};

type Position = { symbol: string; quantity: number; price?: number };

function state(
  id: string,
  cash: number,
  positions: Position[],
  limits: Record<string, number> | null,
): PortfolioState {
  return portfolioState(id, positions, { cash, limits });
}

/** 80 ticked symbols T0…T79 (some only a few times: still warming up), M* only marked. */
function market(): { core: EngineCore; ts: number } {
  const core = new EngineCore({ ewmaLambda: 0.94, sampleIntervalMs: 60_000, largeMoveSigma: 3 });
  let seed = 11;
  const rand = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
  const prices = Array.from({ length: 80 }, (_, i) => 5 + ((i * 37) % 300) + i / 7);
  let ts = Date.parse('2026-11-26T09:30:00.000Z');
  // Four daily closes first (about a trading day each: warm), except the rarely ticked ones.
  for (let d = 0; d < 4; d++, ts += 86_400_000) {
    for (let s = 0; s < prices.length; s++) {
      if (s % 9 === 0) continue;
      prices[s] *= Math.exp(0.03 * (rand() - 0.5));
      core.applyTick({ id: `d${d}-${s}`, symbol: `T${s}`, price: prices[s], ts: '' }, ts);
    }
  }
  ts = Date.parse('2026-11-30T09:30:00.000Z');
  for (let m = 0; m < 120; m++) {
    ts += 60_000;
    for (let s = 0; s < prices.length; s++) {
      if (s % 9 === 0 && m % 40 !== 0) continue; // rarely ticked: warming up
      prices[s] *= Math.exp(0.004 * (rand() - 0.5));
      // Mostly 4 decimals; every 7th symbol its full double (many digits).
      const p = s % 7 === 3 ? prices[s] : Math.round(prices[s] * 1e4) / 1e4;
      core.applyTick({ id: `t${m}-${s}`, symbol: `T${s}`, price: p, ts: '' }, ts);
    }
  }
  core.applyTick({ id: 'odd', symbol: 'T5', price: 0.1 + 0.2, ts: '' }, (ts += 1_000));
  core.applyTick({ id: 'tiny', symbol: 'T6', price: 0.000001234, ts: '' }, (ts += 1_000));
  core.applyTick({ id: 'huge', symbol: 'T7', price: 123_456_789.123, ts: '' }, (ts += 1_000));
  core.takeDirty();
  return { core, ts };
}

function portfolios(): PortfolioState[] {
  const sym = (i: number) => `T${i % 80}`;
  const many = (n: number, offset: number, shorts: boolean): Position[] =>
    Array.from({ length: n }, (_, i) => ({
      symbol: sym(offset + i * 3),
      quantity: (shorts && i % 4 === 1 ? -1 : 1) * (10 + ((i * 53) % 900)),
      price: 100,
    }));
  return [
    // The worked-example shape: a long, a short on a mark, an unpriced line, a duplicate, a zero.
    state(
      'small',
      100_000.1,
      [
        { symbol: 'T1', quantity: 1_200, price: 181.9 },
        { symbol: 'T2', quantity: 1_000 },
        { symbol: 'MARKED', quantity: -300, price: 50 },
        { symbol: 'NOPRICE', quantity: 5 },
        { symbol: 'T1', quantity: -200, price: 182 },
        { symbol: 'ZERO', quantity: 0 },
      ],
      null,
    ),
    // Every term shown (≤ 12 positions): fractional and awkward quantities and prices.
    state(
      'terms',
      2_500.55,
      [
        { symbol: 'T3', quantity: 0.5 },
        { symbol: 'T4', quantity: 1.005 },
        { symbol: 'T5', quantity: 3 },
        { symbol: 'T6', quantity: 1e9 },
        { symbol: 'T7', quantity: -0.25 },
        { symbol: 'T10', quantity: 1e-7 },
        { symbol: 'T17', quantity: 333.333 },
        { symbol: 'T24', quantity: -12 },
        { symbol: 'M1', quantity: 7, price: 0.1 + 0.7 },
        { symbol: 'M2', quantity: 1e15, price: 0.001 },
        { symbol: 'T31', quantity: 2 ** 40 },
        { symbol: 'T38', quantity: -7.75 },
      ],
      { maxWeight: 0.5, var99: 1e6 },
    ),
    // 13 positions: sums shown as Σ; every limit given.
    state('sigma', 50_000, many(13, 0, true), {
      maxWeight: 0.3,
      var99: 25_000,
      es99: 30_000,
      maxDrawdown: 0.05,
      maxGrossLeverage: 1.5,
    }),
    // More than the 50 named positions, with ties in |value| and unpriced lines.
    state(
      'truncated',
      1_000_000,
      [
        ...many(60, 1, true),
        { symbol: 'M3', quantity: 100, price: 10 },
        { symbol: 'M4', quantity: -100, price: 10 },
        ...Array.from({ length: 8 }, (_, i) => ({ symbol: `NP${i}`, quantity: 1 + i })),
      ],
      { maxWeight: 0.2 },
    ),
    state('desk', 250_000, many(60, 2, false), { maxWeight: 0.1, maxDrawdown: 0.02 }),
    // nav ≤ 0: ratios undefined.
    state('insolvent', -5_000_000, many(20, 3, false), null),
    // Only unpriced lines, and an empty book.
    state(
      'unpriced',
      1_000,
      [
        { symbol: 'NP1', quantity: 10 },
        { symbol: 'NP2', quantity: -3 },
      ],
      null,
    ),
    state('empty', 42, [], null),
    // Gross leverage above its limit; a tiny cash balance.
    state('levered', 0.01, many(8, 4, true), { maxGrossLeverage: 0.5, var99: 0 }),
  ];
}

/** The evaluation and alert payloads, less what differs run to run (uuids, wall-clock timing). */
function stable(payload: string): unknown {
  const x = JSON.parse(payload) as Record<string, unknown>;
  delete x.id;
  delete x.evaluationId;
  if (x.timings) (x.timings as { totalMs?: number }).totalMs = 0;
  return x;
}

function evaluateAll(): Record<string, unknown[]> {
  const { core, ts } = market();
  const result: Record<string, unknown[]> = {};
  for (const p of portfolios()) core.install(p);
  for (const p of portfolios()) {
    const runs: unknown[] = [];
    // Twice, the second with the first's state installed (peak nav, level, breaches), then once
    // after a fall of every held price (drawdown, alerts).
    for (let k = 0; k < 3; k++) {
      if (k === 2) {
        for (const pos of p.snapshot.positions) {
          const last = core.book.lastPrice(pos.symbol);
          if (last !== undefined)
            core.applyTick(
              { id: `f-${pos.symbol}`, symbol: pos.symbol, price: last * 0.9, ts: '' },
              ts + 3_600_000,
            );
        }
      }
      const st = core.portfolios.get(p.id)!;
      const r = core.evaluate({
        state: st,
        trigger: { topic: 'market.ticks', eventId: `e-${p.id}-${k}` },
        ts: new Date(ts + k * 3_600_000).toISOString(),
        incidentId: `i-${p.id}`,
        out,
        tree: null,
      });
      runs.push(r.outcome.outbox.map((o) => stable(o.payload)));
      runs.push(r.outcome.closing);
      core.install(r.next);
    }
    result[p.id] = runs;
  }
  return result;
}

describe('evaluation payloads (golden)', () => {
  it('are byte-identical to the published ones', () => {
    const actual = evaluateAll();
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(
        GOLDEN,
        `{\n${Object.entries(actual)
          .map(([id, runs]) => `${JSON.stringify(id)}: ${JSON.stringify(runs)}`)
          .join(',\n')}\n}\n`,
      );
    }
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, unknown[]>;
    for (const id of Object.keys(golden)) {
      expect(JSON.stringify(actual[id])).toBe(JSON.stringify(golden[id]));
    }
    expect(Object.keys(actual)).toEqual(Object.keys(golden));
  });
});
