/**
 * CPU cost of one portfolio evaluation (npm run bench:evaluate), docs/benchmarks.md
 * § bench:evaluate. No Kafka, no PostgreSQL, no model: the engine's in-memory core alone, as
 * `bench:scale` drives it at desk scale (issue 15).
 *
 * A deterministic 5,000-symbol market (four daily closes, then 200 one-minute steps of every
 * symbol, prices to 4 decimals as a feed sends them) and 20 portfolios each of 50, 125 and 300
 * positions (a fifth of them short, cash and a max-weight limit). Per size: the assessment alone
 * (`assessPortfolio`: metrics, limit checks, the interim rules) and the whole evaluation
 * (`assessPortfolio` + `EngineCore.evaluate`: decision, explanation, the payload's JSON), in ms
 * of CPU per evaluation (and wall-clock ms beside it), the median of BENCH_EVALUATE_ROUNDS
 * rounds (default 7) of BENCH_EVALUATE_N evaluations (default 400), after a warm-up; and the
 * evaluation payload's size. The RESULT line's times are CPU ms.
 *
 * RESULT evaluate_ms_125=… assess_ms_125=… evaluate_ms_300=… payload_kb_125=…
 */
import { performance } from 'node:perf_hooks';
import { EngineCore, type OutputTopics, type PortfolioState } from '@risk/engine';
import { portfolioState } from '@risk/engine/testing/portfolio-state';
import { assessPortfolio } from '@risk/scoring';
import { resultLine, round } from './bench-support';

const SYMBOLS = 5_000;
const SIZES = [50, 125, 300] as const;
const PORTFOLIOS_PER_SIZE = 20;
const ROUNDS = Number(process.env.BENCH_EVALUATE_ROUNDS ?? 7);
const N = Number(process.env.BENCH_EVALUATE_N ?? 400);

const out: OutputTopics = {
  evaluations: 'risk.evaluations',
  alerts: 'risk.alerts',
  partitionFor: () => 0,
};

let seed = 1;
const rand = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;

function market(): { core: EngineCore; ts: number } {
  const core = new EngineCore({ ewmaLambda: 0.94, sampleIntervalMs: 60_000, largeMoveSigma: 3 });
  const prices = Array.from({ length: SYMBOLS }, () => 20 + rand() * 200);
  const tick = (s: number, ts: number, sigma: number): void => {
    prices[s] *= Math.exp(sigma * (rand() - 0.5));
    const price = Math.round(prices[s] * 1e4) / 1e4;
    core.applyTick({ id: `t${ts}-${s}`, symbol: `S${s}`, price, ts: '' }, ts);
  };
  let ts = Date.parse('2026-11-24T14:30:00.000Z');
  for (let day = 0; day < 4; day++, ts += 86_400_000) {
    for (let s = 0; s < SYMBOLS; s++) tick(s, ts, 0.03);
  }
  ts = Date.parse('2026-11-30T14:30:00.000Z');
  for (let minute = 0; minute < 200; minute++) {
    ts += 60_000;
    for (let s = 0; s < SYMBOLS; s++) tick(s, ts, 0.002);
  }
  core.takeDirty();
  return { core, ts };
}

function portfolio(size: number, k: number): PortfolioState {
  const start = Math.floor(rand() * SYMBOLS);
  const positions = Array.from({ length: size }, (_, i) => ({
    symbol: `S${(start + i * 37) % SYMBOLS}`,
    quantity: (i % 5 === 4 ? -1 : 1) * (10 + Math.floor(rand() * 1_000)),
    price: 100,
  }));
  return portfolioState(`pf-${size}-${k}`, positions, {
    cash: 250_000 * (size / 50),
    limits: { maxWeight: 0.2 },
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * ms per call of `f` over `N` calls, the median of ROUNDS rounds: CPU time (the process's user +
 * system, every thread, so GC's helpers count) and wall-clock time. On a shared machine the CPU
 * figure is the cost; the wall figure adds the time spent waiting for a core.
 */
function msPer(f: (i: number) => void): { cpu: number; wall: number } {
  for (let i = 0; i < N; i++) f(i); // warm-up
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) f(i);
    wall.push((performance.now() - t0) / N);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000 / N);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

const { core, ts } = market();
const at = new Date(ts).toISOString();
const bySize = new Map(
  SIZES.map((size) => [
    size,
    Array.from({ length: PORTFOLIOS_PER_SIZE }, (_, k) => {
      const p = portfolio(size, k);
      core.install(p);
      return p.id;
    }),
  ]),
);

const rows: Record<
  number,
  { assess: { cpu: number; wall: number }; evaluate: { cpu: number; wall: number }; kb: number }
> = {};
const ms = (x: { cpu: number; wall: number }) =>
  `${x.cpu.toFixed(3)} ms (wall ${x.wall.toFixed(3)})`;
for (const size of SIZES) {
  const ids = bySize.get(size)!;
  const stateOf = (i: number) => core.portfolios.get(ids[i % ids.length])!;
  const evaluate = (i: number) => {
    const state = stateOf(i);
    return core.evaluate({
      state,
      trigger: { topic: 'market.ticks', eventId: `t${i}` },
      ts: at,
      incidentId: 'bench',
      out,
      assessment: assessPortfolio(EngineCore.contextOf(state), core.book),
      tree: null,
    });
  };
  const bytes = ids.map((_, i) => Buffer.byteLength(evaluate(i).outcome.outbox[0].payload));
  const row = {
    assess: msPer((i) => assessPortfolio(EngineCore.contextOf(stateOf(i)), core.book)),
    evaluate: msPer(evaluate),
    kb: bytes.reduce((a, b) => a + b, 0) / bytes.length / 1024,
  };
  rows[size] = row;
  console.log(
    `${String(size).padStart(3)} positions: CPU per assessment ${ms(row.assess)}, ` +
      `per evaluation ${ms(row.evaluate)}, payload ${row.kb.toFixed(1)} KB`,
  );
}
console.log(
  resultLine({
    evaluate_ms_125: round(rows[125].evaluate.cpu, 3),
    assess_ms_125: round(rows[125].assess.cpu, 3),
    evaluate_ms_300: round(rows[300].evaluate.cpu, 3),
    payload_kb_125: round(rows[125].kb, 1),
  }),
);
