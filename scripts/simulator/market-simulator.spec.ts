import { decodeInput, type InputKind } from '@risk/contracts';
import { DEFAULT_CONFIG, garchNextVariance, simulateMarket } from './market-simulator';
import { mulberry32, normal } from './prng';
import type { JumpLabel, StreamRecord } from './stream-record';
import { INSTRUMENTS, PORTFOLIOS } from './universe';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SYMBOL = /^[A-Z0-9][A-Z0-9.-]{0,15}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The contract's rules for the three input topics, as a user of the contract would check them. */
function contractProblems(r: StreamRecord): string[] {
  const p: string[] = [];
  const v = r.value;
  if (!ID.test(v.id)) p.push(`bad id ${v.id}`);
  if (!ISO_MS.test(v.ts) || new Date(v.ts).toISOString() !== v.ts) p.push(`bad ts ${v.ts}`);
  switch (r.topic) {
    case 'market.ticks':
      if (!SYMBOL.test(r.value.symbol)) p.push(`bad symbol ${r.value.symbol}`);
      if (r.key !== r.value.symbol) p.push('tick key is not its symbol');
      if (!(Number.isFinite(r.value.price) && r.value.price > 0)) p.push('price not > 0');
      if (Math.round(r.value.price * 100) / 100 !== r.value.price) p.push('price not in cents');
      if (r.value.volume !== undefined && !(r.value.volume >= 0)) p.push('negative volume');
      break;
    case 'news.events':
      if (r.key !== r.value.id) p.push('news key is not its id');
      if (r.value.headline.length < 1 || r.value.headline.length > 512) p.push('headline length');
      if (r.value.body !== undefined && Buffer.byteLength(r.value.body) > 65536)
        p.push('body size');
      if (r.value.symbols.length > 64 || !r.value.symbols.every((s) => SYMBOL.test(s))) {
        p.push('symbols');
      }
      break;
    case 'portfolio.positions':
      if (r.key !== r.value.portfolioId || !ID.test(r.value.portfolioId)) p.push('portfolio id');
      if (!Number.isFinite(r.value.cash)) p.push('cash');
      for (const pos of r.value.positions) {
        if (!SYMBOL.test(pos.symbol) || !Number.isInteger(pos.quantity)) p.push('position');
        if (pos.price !== undefined && !(pos.price > 0)) p.push('mark');
      }
      break;
  }
  return p;
}

function ticksOf(
  records: StreamRecord[],
  symbol: string,
): Array<{ id: string; price: number; ms: number }> {
  return records.flatMap((r) =>
    r.topic === 'market.ticks' && r.key === symbol
      ? [{ id: r.value.id, price: r.value.price, ms: Date.parse(r.value.ts) }]
      : [],
  );
}

function autocorrelation(xs: number[], lag: number): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += (xs[i] - mean) ** 2;
    if (i >= lag) num += (xs[i] - mean) * (xs[i - lag] - mean);
  }
  return num / den;
}

const meanOf = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Lag-1 autocorrelation of squared tick returns, per symbol. */
function squaredReturnAcfs(config: Parameters<typeof simulateMarket>[0]): number[] {
  const { records } = simulateMarket(config);
  return INSTRUMENTS.map(({ symbol }) => {
    const p = ticksOf(records, symbol).map((x) => x.price);
    return autocorrelation(
      p.slice(1).map((x, i) => Math.log(x / p[i]) ** 2),
      1,
    );
  });
}

describe('simulateMarket', () => {
  const run = simulateMarket({ seed: 42, minutes: 20 });

  it('is deterministic: the same seed gives the same records and labels', () => {
    expect(simulateMarket({ seed: 42, minutes: 20 })).toEqual(run);
    const other = simulateMarket({ seed: 43, minutes: 20 });
    expect(JSON.stringify(other.records)).not.toEqual(JSON.stringify(run.records));
  });

  it('emits only messages valid under the contract, with unique ids', () => {
    const problems = run.records.flatMap((r) =>
      contractProblems(r).map((p) => `${r.value.id}: ${p}`),
    );
    expect(problems).toEqual([]);
    const ids = run.records.map((r) => `${r.topic}/${r.value.id}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("passes the service's own decoder (@risk/contracts) for every record", () => {
    const kinds: Record<StreamRecord['topic'], InputKind> = {
      'market.ticks': 'tick',
      'news.events': 'news',
      'portfolio.positions': 'positions',
    };
    const failures = run.records.flatMap((r) => {
      const decoded = decodeInput(
        kinds[r.topic],
        Buffer.from(r.key),
        Buffer.from(JSON.stringify(r.value)),
      );
      return decoded.ok ? [] : [`${r.value.id}: ${decoded.error.message}`];
    });
    expect(failures).toEqual([]);
  });

  it('covers every topic, symbol and portfolio', () => {
    const topics = new Set(run.records.map((r) => r.topic));
    expect([...topics].sort()).toEqual(['market.ticks', 'news.events', 'portfolio.positions']);
    const ticked = new Set(run.records.filter((r) => r.topic === 'market.ticks').map((r) => r.key));
    expect(ticked.size).toBe(INSTRUMENTS.length);
    const snapshots = run.records.filter((r) => r.topic === 'portfolio.positions');
    expect(new Set(snapshots.map((r) => r.key)).size).toBe(PORTFOLIOS.length);
    expect(snapshots.length).toBeGreaterThan(PORTFOLIOS.length);
  });

  it('orders records by time, ticks strictly per symbol, snapshots first', () => {
    const times = run.records.map((r) => Date.parse(r.value.ts));
    const backwards = times.filter((t, i) => i > 0 && t < times[i - 1]).length;
    expect(backwards).toBe(0);
    for (const { symbol } of INSTRUMENTS) {
      const t = ticksOf(run.records, symbol).map((x) => x.ms);
      expect(t.filter((x, i) => i > 0 && x <= t[i - 1]).length).toBe(0);
    }
    const opening = run.records.slice(0, PORTFOLIOS.length);
    expect(opening.every((r) => r.topic === 'portfolio.positions')).toBe(true);
    expect(run.records[0].value.ts).toBe(DEFAULT_CONFIG.start);
  });

  it('ticks at the configured rate with jitter below the interval', () => {
    const t = ticksOf(run.records, 'ACME');
    expect(t.length).toBe((20 * 60_000) / DEFAULT_CONFIG.tickIntervalMs);
    const start = Date.parse(DEFAULT_CONFIG.start);
    t.forEach((x, k) => {
      const offset = x.ms - (start + k * DEFAULT_CONFIG.tickIntervalMs);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThanOrEqual(DEFAULT_CONFIG.tickJitterMs);
    });
  });

  it('applies each jump on the first tick after its news, within the configured lag', () => {
    const { min, max } = DEFAULT_CONFIG.jumpLagMs;
    const withJumps = run.labels.filter((l) => l.jumps.length > 0);
    expect(withJumps.length).toBeGreaterThan(5);
    // Several jumps can land on one tick (a macro shock and a company story): compare sums.
    const expected = new Map<string, number>();
    for (const l of run.labels) {
      for (const j of l.jumps) {
        const lag = Date.parse(j.effectiveTs) - Date.parse(l.ts);
        expect(lag).toBeGreaterThanOrEqual(min);
        expect(lag).toBeLessThanOrEqual(max);
        const tickMs = Date.parse(j.tickTs);
        expect(tickMs).toBeGreaterThanOrEqual(Date.parse(j.effectiveTs));
        expect(tickMs - Date.parse(l.ts)).toBeLessThanOrEqual(
          max + DEFAULT_CONFIG.tickIntervalMs + DEFAULT_CONFIG.tickJitterMs,
        );
        expect(j.tickId).toMatch(ID);
        expect(l.symbols.length === 0 || l.symbols.includes(j.symbol)).toBe(true);
        expected.set(j.tickId, (expected.get(j.tickId) ?? 0) + j.logReturn);
      }
    }
    for (const { symbol } of INSTRUMENTS) {
      const t = ticksOf(run.records, symbol);
      t.forEach((tick, k) => {
        const jump = expected.get(tick.id);
        if (jump === undefined) return;
        // The tick before it did not yet see the jump; this one does (diffusion is far smaller).
        const ret = Math.log(tick.price / t[k - 1].price);
        expect(Math.abs(ret - jump)).toBeLessThan(0.004 + 0.2 * Math.abs(jump));
      });
    }
  });

  it('labels every news event, neutral ones without jumps', () => {
    const news = run.records.filter((r) => r.topic === 'news.events');
    expect(run.labels.map((l: JumpLabel) => l.newsId)).toEqual(news.map((r) => r.value.id));
    expect(run.labels.some((l) => l.sentiment === 'neutral' && l.jumps.length === 0)).toBe(true);
    for (const l of run.labels) {
      for (const j of l.jumps) {
        if (l.kind === 'macro_shock') continue; // beta-scaled, sign follows the shock
        expect(Math.sign(j.logReturn)).toBe(l.sentiment === 'positive' ? 1 : -1);
      }
    }
  });

  it('opens portfolios that breach the weight limit, hold shorts, and one far over its VaR budget', () => {
    const opening = run.records
      .slice(0, PORTFOLIOS.length)
      .flatMap((r) => (r.topic === 'portfolio.positions' ? [r.value] : []));
    const breaches = opening.filter((p) => {
      const values = p.positions.map((x) => x.quantity * (x.price ?? 0));
      const nav = p.cash + values.reduce((s, v) => s + v, 0);
      return Math.max(...values.map(Math.abs)) / nav > (p.limits?.maxWeight ?? 1);
    });
    expect(breaches.length).toBeGreaterThanOrEqual(2);
    expect(opening.some((p) => p.positions.some((x) => x.quantity < 0))).toBe(true);
    expect(opening.some((p) => (p.limits?.var99 ?? Infinity) <= 5000)).toBe(true);
  });

  it('shows volatility clustering: squared returns are positively autocorrelated', () => {
    const quiet = { seed: 7, minutes: 180, newsPerMinute: 0, portfolios: [], volScale: 4 };
    const acfs = squaredReturnAcfs(quiet);
    expect(meanOf(acfs)).toBeGreaterThan(0.05);
    expect(acfs.filter((a) => a > 0).length).toBeGreaterThanOrEqual(INSTRUMENTS.length - 1);
    // Control: with alpha = beta = 0 the variance is constant and the clustering disappears.
    expect(meanOf(squaredReturnAcfs({ ...quiet, garch: { alpha: 0, beta: 0 } }))).toBeLessThan(
      0.03,
    );
  });

  it('correlates symbols through the market factor', () => {
    const long = simulateMarket({
      seed: 11,
      minutes: 120,
      newsPerMinute: 0,
      portfolios: [],
      volScale: 4,
    });
    const returns = (symbol: string): number[] => {
      const p = ticksOf(long.records, symbol).map((x) => x.price);
      return p.slice(1).map((x, i) => Math.log(x / p[i]));
    };
    const a = returns('NOVA');
    const b = returns('AUTO');
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    const ma = mean(a);
    const mb = mean(b);
    let cov = 0;
    let va = 0;
    let vb = 0;
    a.forEach((x, i) => {
      cov += (x - ma) * (b[i] - mb);
      va += (x - ma) ** 2;
      vb += (b[i] - mb) ** 2;
    });
    expect(cov / Math.sqrt(va * vb)).toBeGreaterThan(0.15);
  });

  it('rejects a config it cannot honour', () => {
    expect(() => simulateMarket({ tickJitterMs: 1000, tickIntervalMs: 1000 })).toThrow(
      /tickJitterMs/,
    );
    expect(() => simulateMarket({ garch: { alpha: 0.5, beta: 0.6 } })).toThrow(/alpha \+ beta/);
    expect(() => simulateMarket({ seed: 1.5 })).toThrow(/seed/);
  });
});

describe('garchNextVariance', () => {
  it('mean-reverts to its long-run variance', () => {
    const rng = mulberry32(5);
    const longRun = 1e-8;
    let h = longRun * 10;
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const shock = Math.sqrt(h) * normal(rng);
      sum += shock * shock;
      h = garchNextVariance(h, shock, longRun, { alpha: 0.06, beta: 0.93 });
    }
    expect(sum / n / longRun).toBeGreaterThan(0.85);
    expect(sum / n / longRun).toBeLessThan(1.2);
  });
});
