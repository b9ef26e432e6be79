/**
 * A seeded market: GARCH(1,1) prices with a common market factor, sector factors and
 * news-driven jumps, plus portfolio snapshots. Pure: the same config gives the same records.
 */
import { NEWS_KINDS, type NewsKindSpec } from './news-catalog';
import { deriveRng, normal, pick, pickWeighted, uniform, uniformInt, type Rng } from './prng';
import type { PositionsSnapshot } from '@risk/contracts';
import type { JumpLabel, StreamRecord } from './stream-record';
import {
  INSTRUMENTS,
  PORTFOLIOS,
  type InstrumentSpec,
  type PortfolioSpec,
  type Sector,
} from './universe';

/** Trading seconds in a year (252 days of 6.5 hours): annual vols are scaled per tick step. */
export const TRADING_SECONDS_PER_YEAR = 252 * 6.5 * 3600;

export interface GarchParams {
  /** Weight of the last squared shock. */
  alpha: number;
  /** Weight of the last variance; alpha + beta < 1 keeps it stationary. */
  beta: number;
}

export interface SimulationConfig {
  seed: number;
  minutes: number;
  /** Event time of the first record, ISO-8601 UTC. */
  start: string;
  /** Event time between two ticks of one symbol. */
  tickIntervalMs: number;
  /** Each tick lands up to this much after its grid time; below the interval so ticks stay ordered. */
  tickJitterMs: number;
  newsPerMinute: number;
  /** The jump enters the price path this long after its news (uniform in [min, max]). */
  jumpLagMs: { min: number; max: number };
  /** Multiplies every diffusion volatility; 1 is realistic, more makes a livelier demo. */
  volScale: number;
  garch: GarchParams;
  marketAnnualVol: number;
  sectorAnnualVol: number;
  /** A jump lifts the variance of what it hit to (1 + (|J| / 1%)^2) times its long-run level, capped. */
  postJumpVarianceCap: number;
  instruments: readonly InstrumentSpec[];
  portfolios: readonly PortfolioSpec[];
  newsKinds: readonly NewsKindSpec[];
}

export const DEFAULT_CONFIG: SimulationConfig = {
  seed: 42,
  minutes: 30,
  start: '2026-11-30T09:30:00.000Z',
  tickIntervalMs: 1000,
  tickJitterMs: 400,
  newsPerMinute: 1.5,
  jumpLagMs: { min: 250, max: 3000 },
  volScale: 1,
  garch: { alpha: 0.06, beta: 0.93 },
  marketAnnualVol: 0.18,
  sectorAnnualVol: 0.1,
  postJumpVarianceCap: 40,
  instruments: INSTRUMENTS,
  portfolios: PORTFOLIOS,
  newsKinds: NEWS_KINDS,
};

export interface SimulationResult {
  records: StreamRecord[];
  labels: JumpLabel[];
}

/** GARCH(1,1): next variance from the last shock, with omega fixed by the long-run variance. */
export function garchNextVariance(
  variance: number,
  shock: number,
  longRunVariance: number,
  { alpha, beta }: GarchParams,
): number {
  const omega = longRunVariance * (1 - alpha - beta);
  return omega + alpha * shock * shock + beta * variance;
}

export function roundCents(value: number): number {
  return Math.round(value * 100) / 100;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

interface PlannedJump {
  symbol: string;
  logReturn: number;
  effectiveMs: number;
  label: JumpLabel['jumps'][number];
}

interface PlannedNews {
  ms: number;
  /** kind/symbol (the kind alone for sector and market stories), to avoid repeats. */
  story: string;
  record: StreamRecord;
  label: JumpLabel;
  jumps: PlannedJump[];
  /** Set for a macro shock: the market factor's own jump, to lift its variance. */
  marketJump?: { logReturn: number; effectiveMs: number };
}

export function validateConfig(c: SimulationConfig): void {
  const problems: string[] = [];
  if (!Number.isInteger(c.seed)) problems.push('seed must be an integer');
  if (!(c.minutes > 0)) problems.push('minutes must be > 0');
  if (Number.isNaN(Date.parse(c.start))) problems.push('start must be an ISO time');
  if (!(c.tickIntervalMs >= 10)) problems.push('tickIntervalMs must be >= 10');
  if (!(c.tickJitterMs >= 0 && c.tickJitterMs < c.tickIntervalMs)) {
    problems.push('tickJitterMs must be in [0, tickIntervalMs)');
  }
  if (!(c.newsPerMinute >= 0)) problems.push('newsPerMinute must be >= 0');
  if (!(c.jumpLagMs.min > 0 && c.jumpLagMs.max >= c.jumpLagMs.min)) {
    problems.push('jumpLagMs needs 0 < min <= max');
  }
  if (!(c.volScale > 0)) problems.push('volScale must be > 0');
  if (!(c.garch.alpha >= 0 && c.garch.beta >= 0 && c.garch.alpha + c.garch.beta < 1)) {
    problems.push('garch needs alpha, beta >= 0 and alpha + beta < 1');
  }
  if (c.instruments.length === 0) problems.push('at least one instrument');
  if (problems.length > 0) throw new Error(`invalid simulation config: ${problems.join('; ')}`);
}

export function simulateMarket(overrides: Partial<SimulationConfig> = {}): SimulationResult {
  const config: SimulationConfig = { ...DEFAULT_CONFIG, ...overrides };
  validateConfig(config);
  const startMs = Date.parse(config.start);
  const steps = Math.max(1, Math.floor((config.minutes * 60_000) / config.tickIntervalMs));
  const endMs = startMs + steps * config.tickIntervalMs;

  const news = planNews(config, startMs, endMs);
  const records: Array<{ ms: number; rank: number; record: StreamRecord }> = [];
  for (const n of news) records.push({ ms: n.ms, rank: 1, record: n.record });
  simulatePaths(config, startMs, steps, news, (ms, rank, record) =>
    records.push({ ms, rank, record }),
  );

  // Stable sort: at equal times a snapshot precedes news, news precedes ticks.
  records.sort((a, b) => a.ms - b.ms || a.rank - b.rank);
  return { records: records.map((r) => r.record), labels: news.map((n) => n.label) };
}

function planNews(config: SimulationConfig, startMs: number, endMs: number): PlannedNews[] {
  const rng = deriveRng(config.seed, 'news');
  // Leave room at the end so every jump lands on a tick inside the run.
  const first = startMs + Math.max(10_000, 2 * config.tickIntervalMs);
  const last = endMs - config.jumpLagMs.max - 2 * config.tickIntervalMs;
  const out: PlannedNews[] = [];
  if (config.newsPerMinute <= 0 || last <= first) return out;
  const meanGapMs = 60_000 / config.newsPerMinute;
  let ms = first;
  for (let seq = 1; ; seq++) {
    ms += Math.max(1, Math.round(-Math.log(1 - rng()) * meanGapMs));
    if (ms > last) break;
    const recent = out.slice(-REPEAT_WINDOW).map((n) => n.story);
    out.push(planOneNews(config, rng, seq, ms, recent));
  }
  return out;
}

function drawMagnitude(rng: Rng, spec: NewsKindSpec, floor: number): number {
  return Math.max(floor, spec.jumpMean + spec.jumpSd * normal(rng));
}

function storyKey(spec: NewsKindSpec, company: InstrumentSpec): string {
  return spec.scope === 'company' ? `${spec.kind}/${company.symbol}` : spec.kind;
}

/** How many recent stories a new one must not repeat (same kind about the same company). */
const REPEAT_WINDOW = 8;

function planOneNews(
  config: SimulationConfig,
  rng: Rng,
  seq: number,
  ms: number,
  recent: readonly string[],
): PlannedNews {
  let spec = pickWeighted(rng, config.newsKinds, (k) => k.weight);
  let company = pick(rng, config.instruments);
  // A few re-draws keep the wire from telling the same story twice in a row.
  for (let tries = 0; tries < 3 && recent.includes(storyKey(spec, company)); tries++) {
    spec = pickWeighted(rng, config.newsKinds, (k) => k.weight);
    company = pick(rng, config.instruments);
  }
  const sectors = [...new Set(config.instruments.map((i) => i.sector))];
  const sector: Sector = spec.scope === 'sector' ? pick(rng, sectors) : company.sector;
  const sign: 1 | -1 = spec.sign === 'either' ? (rng() < 0.65 ? -1 : 1) : spec.sign === 1 ? 1 : -1;
  const headline = spec.headline({ company, sector, sign, rng });
  const body = spec.body && rng() < 0.6 ? spec.body({ company, sector, sign, rng }) : undefined;

  const symbols =
    spec.scope === 'company'
      ? [company.symbol]
      : spec.scope === 'sector'
        ? config.instruments.filter((i) => i.sector === sector).map((i) => i.symbol)
        : [];
  const effectiveMs = ms + uniformInt(rng, config.jumpLagMs.min, config.jumpLagMs.max);
  const id = `n-${String(seq).padStart(4, '0')}`;
  const sentiment = spec.sign === 0 ? 'neutral' : sign > 0 ? 'positive' : 'negative';

  const jumps: PlannedJump[] = [];
  let marketJump: PlannedNews['marketJump'];
  const addJump = (symbol: string, logReturn: number): void => {
    const label = { symbol, logReturn, effectiveTs: iso(effectiveMs), tickId: '', tickTs: '' };
    jumps.push({ symbol, logReturn, effectiveMs, label });
  };
  if (spec.sign !== 0) {
    if (spec.scope === 'company') {
      addJump(company.symbol, sign * drawMagnitude(rng, spec, 0.005));
    } else if (spec.scope === 'sector') {
      const base = drawMagnitude(rng, spec, 0.005);
      for (const s of symbols) addJump(s, sign * base * uniform(rng, 0.6, 1.3));
    } else {
      const m = sign * drawMagnitude(rng, spec, 0.005);
      marketJump = { logReturn: m, effectiveMs };
      for (const i of config.instruments) addJump(i.symbol, i.beta * m);
    }
  }

  const value = { id, ts: iso(ms), headline, ...(body ? { body } : {}), symbols, source: 'wire' };
  return {
    ms,
    story: storyKey(spec, company),
    record: { topic: 'news.events', key: id, value },
    label: {
      newsId: id,
      ts: iso(ms),
      kind: spec.kind,
      sentiment,
      symbols,
      jumps: jumps.map((j) => j.label),
    },
    jumps,
    marketJump,
  };
}

type Emit = (ms: number, rank: number, record: StreamRecord) => void;

interface SymbolState {
  spec: InstrumentSpec;
  logPrice: number;
  variance: number;
  longRunVariance: number;
  lastPrice: number;
  /** This symbol's jumps in time order, and the next one not yet applied. */
  jumps: PlannedJump[];
  nextJump: number;
}

function simulatePaths(
  config: SimulationConfig,
  startMs: number,
  steps: number,
  news: PlannedNews[],
  emit: Emit,
): void {
  const rng = deriveRng(config.seed, 'paths');
  const rebalanceRng = deriveRng(config.seed, 'portfolios');
  const stepYears = config.tickIntervalMs / 1000 / TRADING_SECONDS_PER_YEAR;
  const perStepVariance = (annualVol: number): number =>
    (annualVol * config.volScale) ** 2 * stepYears;

  const states: SymbolState[] = config.instruments.map((spec) => {
    const longRunVariance = perStepVariance(spec.idioVol);
    const jumps = news
      .flatMap((n) => n.jumps)
      .filter((j) => j.symbol === spec.symbol)
      .sort((a, b) => a.effectiveMs - b.effectiveMs);
    return {
      spec,
      logPrice: Math.log(spec.startPrice),
      variance: longRunVariance,
      longRunVariance,
      lastPrice: spec.startPrice,
      jumps,
      nextJump: 0,
    };
  });
  const marketLongRun = perStepVariance(config.marketAnnualVol);
  let marketVariance = marketLongRun;
  const marketJumps = news.flatMap((n) => (n.marketJump ? [n.marketJump] : []));
  let nextMarketJump = 0;
  const sectorSd = Math.sqrt(perStepVariance(config.sectorAnnualVol));
  const sectors = [...new Set(config.instruments.map((i) => i.sector))];
  const boosted = (variance: number, longRun: number, jump: number): number =>
    Math.max(
      variance,
      longRun * Math.min(config.postJumpVarianceCap, 1 + (Math.abs(jump) / 0.01) ** 2),
    );

  const book = new PortfolioBook(config, rebalanceRng, steps);
  book.open(startMs, emit);

  for (let k = 0; k < steps; k++) {
    const gridMs = startMs + k * config.tickIntervalMs;
    if (k > 0) {
      const prices = new Map(states.map((s) => [s.spec.symbol, s.lastPrice]));
      book.rebalanceAt(k, gridMs, prices, emit);
    }
    const marketShock = Math.sqrt(marketVariance) * normal(rng);
    const sectorShock = new Map(sectors.map((s) => [s, sectorSd * normal(rng)]));
    for (const s of states) {
      const tickMs = gridMs + uniformInt(rng, 0, config.tickJitterMs);
      const z = normal(rng);
      const volumeNoise = normal(rng);
      let jump = 0;
      const hit: PlannedJump[] = [];
      while (s.nextJump < s.jumps.length && s.jumps[s.nextJump].effectiveMs <= tickMs) {
        const j = s.jumps[s.nextJump++];
        jump += j.logReturn;
        hit.push(j);
      }
      const idio = Math.sqrt(s.variance) * z;
      if (k > 0) {
        s.logPrice +=
          s.spec.beta * marketShock + (sectorShock.get(s.spec.sector) ?? 0) + idio + jump;
      }
      s.variance = garchNextVariance(s.variance, idio, s.longRunVariance, config.garch);
      if (jump !== 0) s.variance = boosted(s.variance, s.longRunVariance, jump);

      const price = roundCents(Math.exp(s.logPrice));
      const id = `t-${s.spec.symbol}-${k}`;
      for (const j of hit) {
        j.label.tickId = id;
        j.label.tickTs = iso(tickMs);
      }
      const activity = 1 + Math.min(10, Math.abs(idio + jump) / Math.sqrt(s.longRunVariance) / 3);
      const volume = Math.max(
        100,
        Math.round((s.spec.meanVolume * activity * Math.exp(0.5 * volumeNoise)) / 100) * 100,
      );
      emit(tickMs, 2, {
        topic: 'market.ticks',
        key: s.spec.symbol,
        value: { id, symbol: s.spec.symbol, price, ts: iso(tickMs), volume },
      });
      s.lastPrice = price;
    }
    marketVariance = garchNextVariance(marketVariance, marketShock, marketLongRun, config.garch);
    while (
      nextMarketJump < marketJumps.length &&
      marketJumps[nextMarketJump].effectiveMs <= gridMs
    ) {
      marketVariance = boosted(
        marketVariance,
        marketLongRun,
        marketJumps[nextMarketJump++].logReturn,
      );
    }
  }
}

/** Holds the portfolios' books: sizes them at start prices, then re-balances a few positions. */
class PortfolioBook {
  private readonly books = new Map<
    string,
    { cash: number; quantities: Map<string, number>; snapshots: number }
  >();
  private readonly schedule = new Map<number, PortfolioSpec[]>();

  constructor(
    private readonly config: SimulationConfig,
    private readonly rng: Rng,
    steps: number,
  ) {
    for (const p of config.portfolios) {
      const taken = new Set<number>();
      for (let r = 0; r < p.rebalances && steps > 10; r++) {
        let step = uniformInt(rng, Math.ceil(steps * 0.2), Math.floor(steps * 0.9));
        while (taken.has(step)) step++;
        taken.add(step);
        this.schedule.set(step, [...(this.schedule.get(step) ?? []), p]);
      }
    }
  }

  open(startMs: number, emit: Emit): void {
    const startPrices = new Map(this.config.instruments.map((i) => [i.symbol, i.startPrice]));
    for (const p of this.config.portfolios) {
      const quantities = new Map<string, number>();
      let invested = 0;
      for (const [symbol, weight] of Object.entries(p.weights)) {
        const price = startPrices.get(symbol);
        if (price === undefined)
          throw new Error(`portfolio ${p.portfolioId} holds unknown ${symbol}`);
        const q = Math.round((weight * p.nav) / price);
        quantities.set(symbol, q);
        invested += q * price;
      }
      this.books.set(p.portfolioId, {
        cash: roundCents(p.nav - invested),
        quantities,
        snapshots: 0,
      });
      this.emitSnapshot(p, startMs, startPrices, emit);
    }
  }

  rebalanceAt(step: number, ms: number, prices: Map<string, number>, emit: Emit): void {
    for (const p of this.schedule.get(step) ?? []) {
      const book = this.books.get(p.portfolioId);
      if (!book) continue;
      const held = [...book.quantities.keys()];
      const changes = uniformInt(this.rng, 1, Math.min(2, held.length));
      for (let c = 0; c < changes; c++) {
        const symbol = pick(this.rng, held);
        const q = book.quantities.get(symbol) ?? 0;
        const next = Math.round(q * uniform(this.rng, 0.5, 1.5));
        book.cash -= (next - q) * (prices.get(symbol) ?? 0);
        book.quantities.set(symbol, next);
      }
      // Sometimes open a small new long, as desks do, so snapshots are not just resizes.
      const unheld = this.config.instruments.filter((i) => !book.quantities.has(i.symbol));
      if (unheld.length > 0 && this.rng() < 0.35) {
        const pickd = pick(this.rng, unheld);
        const price = prices.get(pickd.symbol) ?? pickd.startPrice;
        const q = Math.round((0.05 * p.nav) / price);
        book.quantities.set(pickd.symbol, q);
        book.cash -= q * price;
      }
      book.cash = roundCents(book.cash);
      this.emitSnapshot(p, ms, prices, emit);
    }
  }

  private emitSnapshot(
    p: PortfolioSpec,
    ms: number,
    prices: Map<string, number>,
    emit: Emit,
  ): void {
    const book = this.books.get(p.portfolioId);
    if (!book) return;
    const id = `p-${p.portfolioId}-${book.snapshots++}`;
    const value: PositionsSnapshot = {
      id,
      portfolioId: p.portfolioId,
      ts: iso(ms),
      baseCurrency: 'USD',
      cash: book.cash,
      positions: [...book.quantities.entries()]
        .filter(([, q]) => q !== 0)
        .map(([symbol, quantity]) => ({ symbol, quantity, price: prices.get(symbol) })),
      limits: { ...p.limits },
    };
    emit(ms, 0, { topic: 'portfolio.positions', key: p.portfolioId, value });
  }
}
