import { resolveRiskModelConfig, seedWeight, type RiskModelConfig } from './config';
import { marketStep, type MarketClock } from './market-time';

/** Outcome of one tick. */
export interface TickResult {
  /** The tick became the symbol's last price. */
  readonly applied: boolean;
  /** ts ≤ the symbol's last applied ts (older or duplicate): counted, not applied. */
  readonly stale: boolean;
  /** price or ts not finite, or price ≤ 0: ignored (ingest should have dead-lettered it). */
  readonly invalid: boolean;
  /** ln(p / p_prev) in units of the EWMA σ over the elapsed market time; null on a first price. */
  readonly zScore: number | null;
  /** |zScore| ≥ config.largeMoveZ: evaluate the holders now instead of coalescing. */
  readonly largeMove: boolean;
  /** Grid buckets crossed by this tick's event time (the market factor was sampled when > 0). */
  readonly bucketsClosed: number;
}

/** What portfolio metrics need from the market: prices, covariance, warm-up. */
export interface MarketView {
  lastPrice(symbol: string): number | undefined;
  /** One-day covariance of log returns; a symbol without history gets the seed variance. */
  covarianceDay(a: string, b: string): number;
  /** Trading days of market time in the symbol's EWMA variance, 0 when it has none. */
  samples(symbol: string): number;
  isWarm(symbol: string): boolean;
  /**
   * The one-factor form of covarianceDay, when the view has one: covarianceDay(a, b) =
   * loading(a) · loading(b) for a ≠ b, and `variance` on the diagonal. It makes Σ v (and vᵀ Σ v)
   * O(positions) instead of O(positions²) (covarianceTimes in portfolio-metrics.ts).
   */
  oneFactor?(symbol: string): { loading: number; variance: number };
}

/** Who holds what: held symbols are never evicted. HoldingsIndex implements it. */
export interface HeldSymbols {
  isHeld(symbol: string): boolean;
  heldCount(): number;
}

/** The book's global state, saved whole at every flush (a few hundred bytes). */
export interface InstrumentBookHeader {
  readonly version: 2;
  readonly config: RiskModelConfig;
  /** Largest applied event time (the global clock), null before the first tick. */
  readonly clockTs: number | null;
  /** floor(clockTs / Δ): the open grid bucket. */
  readonly openBucket: number | null;
  readonly staleTotal: number;
  readonly bucketsClosedTotal: number;
  readonly evictedTotal: number;
  /** Market time of the global clock (trading days since the first tick) and of the last close. */
  readonly marketTau: number;
  readonly marketAccrued: number;
  readonly closeTau: number;
  /** EWMA of r_m²/Δτ of the market factor (with its seed prior). */
  readonly marketVariance: number;
}

/** One symbol's state: base64 of 12 little-endian float64 (exact, 128 characters). */
export interface InstrumentRow {
  readonly symbol: string;
  readonly state: string;
}

/** JSON-serialisable state of an InstrumentBook; restoring it resumes exactly. */
export interface InstrumentBookSnapshot extends InstrumentBookHeader {
  readonly symbols: readonly InstrumentRow[];
}

/** What changed since the last save: the header, changed rows, rows to delete (evicted). */
export interface InstrumentBookDelta {
  readonly header: InstrumentBookHeader;
  readonly upsert: readonly InstrumentRow[];
  readonly remove: readonly string[];
  /** Hand to markSaved once the delta is durable. */
  readonly mark: number;
}

/** The state format before 2 (full covariance matrix on a 60-s grid); migrated on restore. */
interface LegacySnapshotV1 {
  readonly version: 1;
  readonly config: { sampleIntervalMs: number; tradingSecondsPerDay: number };
  readonly clockTs: number | null;
  readonly openBucket: number | null;
  readonly staleTotal: number;
  readonly bucketsClosedTotal: number;
  readonly instruments: readonly { symbol: string; price: number; ts: number; stale: number }[];
  readonly matrix: readonly { symbol: string; closePrice: number; samples: number }[];
  readonly covariance: string;
}

/** Settings a restore may change: the seed and the clock define what the stored state means. */
export type RestoreOverridable =
  'lambda' | 'largeMoveZ' | 'warmupDays' | 'minZScoreAnnualVol' | 'maxUnheldSymbols';

const ROW_FIELDS = 12;

class SymbolState {
  price = 0;
  ts = 0;
  stale = 0;
  /** EWMA numerator of r²/Δτ (per trading day), seed prior included; variance = this / weight. */
  varSum = 0;
  /** Market time since the symbol's first price, trading days. */
  tau = 0;
  /** Market time accrued in its current trading day. */
  accrued = 0;
  /** Returns taken (ticks after the first). */
  returns = 0;
  /** Price at the last grid close it took part in; NaN before its first. */
  gridPrice = Number.NaN;
  /** Grid EWMA numerators of r_i²/Δτ and r_i·r_m/Δτ, as of market time gridTau. */
  gridVar = 0;
  gridCov = 0;
  gridTau = 0;
  /** Ticked in the open bucket. */
  moved = false;
  /** Version of its last change; its row is in the store. */
  changedAt = 0;
  persisted = false;

  encode(): string {
    const b = Buffer.alloc(ROW_FIELDS * 8);
    const f = [
      this.price,
      this.ts,
      this.stale,
      this.varSum,
      this.tau,
      this.accrued,
      this.returns,
      Number.isNaN(this.gridPrice) ? -1 : this.gridPrice,
      this.gridVar,
      this.gridCov,
      this.gridTau,
      this.moved ? 1 : 0,
    ];
    f.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
    return b.toString('base64');
  }

  static decode(state: string): SymbolState {
    const b = Buffer.from(state, 'base64');
    if (b.length !== ROW_FIELDS * 8) throw new RangeError('instrument book: bad symbol row');
    const f = Array.from({ length: ROW_FIELDS }, (_, i) => finite(b.readDoubleLE(8 * i), 'row'));
    const s = new SymbolState();
    [s.price, s.ts, s.stale, s.varSum, s.tau, s.accrued, s.returns] = f;
    s.gridPrice = f[7] < 0 ? Number.NaN : f[7];
    [s.gridVar, s.gridCov, s.gridTau] = [f[8], f[9], f[10]];
    s.moved = f[11] === 1;
    if (!(s.price > 0)) throw new RangeError('instrument book: bad symbol row');
    return s;
  }
}

/**
 * Per-symbol last prices, an EWMA variance per elapsed market time for every symbol, and a
 * one-factor covariance: each symbol's correlation with an equal-weight market factor sampled
 * on a fixed event-time grid. State is O(1) per symbol and bounded (unheld symbols past
 * maxUnheldSymbols are evicted, least recently ticked first); a tick is O(1), a grid close
 * O(symbols that ticked in it). See docs/risk-methodology.md.
 */
export class InstrumentBook implements MarketView {
  readonly config: RiskModelConfig;
  /** In least-recently-ticked order (a tick moves its symbol to the end). */
  private readonly symbols = new Map<string, SymbolState>();
  private readonly moved = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly removed = new Map<string, number>();
  private version = 0;
  private held: HeldSymbols | null = null;
  private clockTs: number | null = null;
  private openBucket: number | null = null;
  private staleTotal = 0;
  private bucketsClosedTotal = 0;
  private evictedTotal = 0;
  private marketTau = 0;
  private marketAccrued = 0;
  private closeTau = 0;
  private marketVariance: number;
  private readonly clock: MarketClock;
  private readonly seedVariance: number;
  private readonly prior: number;
  private readonly minZVariance: number;
  private readonly minZHorizon: number;

  constructor(config: Partial<RiskModelConfig> = {}) {
    this.config = resolveRiskModelConfig(config);
    const c = this.config;
    this.seedVariance = c.defaultAnnualVol ** 2 / c.tradingDaysPerYear;
    this.minZVariance = c.minZScoreAnnualVol ** 2 / c.tradingDaysPerYear;
    this.prior = seedWeight(c.lambda, c.seedWeightDays);
    const sessionMs = c.tradingSecondsPerDay * 1000;
    this.minZHorizon = ((1 - c.overnightShare) * c.sampleIntervalMs) / sessionMs;
    this.clock = { sessionMs, overnightShare: c.overnightShare, minStep: this.minZHorizon };
    this.marketVariance = this.prior * this.seedVariance;
  }

  /** Symbols `held` says are held are never evicted. */
  keepHeld(held: HeldSymbols): void {
    this.held = held;
  }

  applyTick(symbol: string, price: number, ts: number): TickResult {
    if (!Number.isFinite(price) || price <= 0 || !Number.isFinite(ts)) {
      return notApplied(false, true);
    }
    let s = this.symbols.get(symbol);
    if (s !== undefined && ts <= s.ts) {
      s.stale += 1;
      this.staleTotal += 1;
      this.touch(symbol, s);
      return notApplied(true, false);
    }
    const bucketsClosed = this.advanceTo(ts);
    let zScore: number | null = null;
    if (s === undefined) {
      s = new SymbolState();
      s.varSum = this.prior * this.seedVariance;
      if (this.removed.delete(symbol)) s.persisted = true;
    } else {
      this.symbols.delete(symbol);
      const step = marketStep(this.clock, s.accrued, ts - s.ts);
      const r = Math.log(price / s.price);
      const variance = this.varianceOf(s);
      const horizon = Math.max(step.dtau, this.minZHorizon);
      zScore = r / Math.sqrt(Math.max(variance, this.minZVariance) * horizon);
      const rc = this.clip(r, s, step.dtau);
      const a = this.config.lambda ** step.dtau;
      s.varSum = a * s.varSum + ((1 - a) * rc * rc) / step.dtau;
      s.tau += step.dtau;
      s.accrued = step.accrued;
      s.returns += 1;
    }
    s.price = price;
    s.ts = ts;
    s.moved = true;
    this.symbols.set(symbol, s);
    this.moved.add(symbol);
    this.touch(symbol, s);
    this.evict();
    const largeMove = zScore !== null && Math.abs(zScore) >= this.config.largeMoveZ;
    return { applied: true, stale: false, invalid: false, zScore, largeMove, bucketsClosed };
  }

  /**
   * Moves the event-time clock to `ts` (never backwards): closes the open grid bucket when `ts`
   * is in a later one, then adds the elapsed market time. Returns the buckets crossed.
   */
  advanceTo(ts: number): number {
    const bucket = Math.floor(ts / this.config.sampleIntervalMs);
    if (this.clockTs === null || this.openBucket === null) {
      this.clockTs = ts;
      this.openBucket = bucket;
      return 0;
    }
    let crossed = 0;
    if (bucket > this.openBucket) {
      crossed = bucket - this.openBucket;
      this.closeBucket();
      this.openBucket = bucket;
      this.bucketsClosedTotal += crossed;
    }
    if (ts > this.clockTs) {
      const step = marketStep(this.clock, this.marketAccrued, ts - this.clockTs);
      this.marketTau += step.dtau;
      this.marketAccrued = step.accrued;
      this.clockTs = ts;
    }
    return crossed;
  }

  lastPrice(symbol: string): number | undefined {
    return this.symbols.get(symbol)?.price;
  }

  lastTs(symbol: string): number | undefined {
    return this.symbols.get(symbol)?.ts;
  }

  /** One-day variance of the symbol's log return (the seed when it has no history). */
  varianceDay(symbol: string): number {
    const s = this.symbols.get(symbol);
    return s === undefined ? this.seedVariance : this.varianceOf(s);
  }

  /** Correlation of the symbol with the market factor, 0 without history. */
  marketCorrelation(symbol: string): number {
    const s = this.symbols.get(symbol);
    if (s === undefined || Number.isNaN(s.gridPrice) || s.gridVar <= 0) return 0;
    const decay = this.config.lambda ** (this.closeTau - s.gridTau);
    const rho = (Math.sqrt(decay) * s.gridCov) / Math.sqrt(s.gridVar * this.marketVariance);
    return Math.max(-1, Math.min(1, rho));
  }

  oneFactor(symbol: string): { loading: number; variance: number } {
    const variance = this.varianceDay(symbol);
    return { loading: this.marketCorrelation(symbol) * Math.sqrt(variance), variance };
  }

  covarianceDay(a: string, b: string): number {
    if (a === b) return this.varianceDay(a);
    const rho = this.marketCorrelation(a) * this.marketCorrelation(b);
    return rho === 0 ? 0 : rho * Math.sqrt(this.varianceDay(a) * this.varianceDay(b));
  }

  /** One-day volatility of the symbol's log return. */
  volatilityDay(symbol: string): number {
    return Math.sqrt(this.varianceDay(symbol));
  }

  volatilityAnnualized(symbol: string): number {
    return this.volatilityDay(symbol) * Math.sqrt(this.config.tradingDaysPerYear);
  }

  samples(symbol: string): number {
    return this.symbols.get(symbol)?.tau ?? 0;
  }

  isWarm(symbol: string): boolean {
    return this.samples(symbol) >= this.config.warmupDays;
  }

  staleCount(symbol?: string): number {
    return symbol === undefined ? this.staleTotal : (this.symbols.get(symbol)?.stale ?? 0);
  }

  stats(): {
    symbols: number;
    staleTicks: number;
    bucketsClosed: number;
    evicted: number;
    clockTs: number | null;
    marketTau: number;
  } {
    return {
      symbols: this.symbols.size,
      staleTicks: this.staleTotal,
      bucketsClosed: this.bucketsClosedTotal,
      evicted: this.evictedTotal,
      clockTs: this.clockTs,
      marketTau: this.marketTau,
    };
  }

  header(): InstrumentBookHeader {
    return {
      version: 2,
      config: { ...this.config },
      clockTs: this.clockTs,
      openBucket: this.openBucket,
      staleTotal: this.staleTotal,
      bucketsClosedTotal: this.bucketsClosedTotal,
      evictedTotal: this.evictedTotal,
      marketTau: this.marketTau,
      marketAccrued: this.marketAccrued,
      closeTau: this.closeTau,
      marketVariance: this.marketVariance,
    };
  }

  /** The whole state (every symbol row), in least-recently-ticked order. */
  toSnapshot(): InstrumentBookSnapshot {
    return {
      ...this.header(),
      symbols: [...this.symbols].map(([symbol, s]) => ({ symbol, state: s.encode() })),
    };
  }

  /** What changed since the last markSaved: save it, then call markSaved(delta.mark). */
  stateDelta(): InstrumentBookDelta {
    const upsert: InstrumentRow[] = [];
    for (const symbol of this.dirty) {
      const s = this.symbols.get(symbol);
      if (s !== undefined) upsert.push({ symbol, state: s.encode() });
    }
    return { header: this.header(), upsert, remove: [...this.removed.keys()], mark: this.version };
  }

  /** The delta taken at `mark` is durable: what has not changed since is clean. */
  markSaved(mark: number): void {
    for (const symbol of this.dirty) {
      const s = this.symbols.get(symbol);
      if (s === undefined) this.dirty.delete(symbol);
      else if (s.changedAt <= mark) {
        s.persisted = true;
        this.dirty.delete(symbol);
      }
    }
    for (const [symbol, at] of this.removed) if (at <= mark) this.removed.delete(symbol);
  }

  /**
   * Restores a snapshot (object or its JSON text); throws RangeError when it is malformed.
   * A version-1 snapshot (full covariance matrix) is migrated: prices, ticks and each symbol's
   * one-day variance are kept (the variance as the new seed), correlations start afresh.
   */
  static fromSnapshot(
    input: InstrumentBookSnapshot | string,
    overrides: Partial<Pick<RiskModelConfig, RestoreOverridable>> = {},
  ): InstrumentBook {
    const raw = (typeof input === 'string' ? JSON.parse(input) : input) as
      InstrumentBookSnapshot | LegacySnapshotV1;
    if (raw?.version === 1) return InstrumentBook.migrateV1(raw, overrides);
    if (raw?.version !== 2) throw new RangeError('instrument book snapshot: unknown version');
    const h = raw;
    const book = new InstrumentBook({ ...h.config, ...overrides });
    book.clockTs = nullableFinite(h.clockTs, 'clockTs');
    book.openBucket = nullableFinite(h.openBucket, 'openBucket');
    book.staleTotal = finite(h.staleTotal, 'staleTotal');
    book.bucketsClosedTotal = finite(h.bucketsClosedTotal, 'bucketsClosedTotal');
    book.evictedTotal = finite(h.evictedTotal, 'evictedTotal');
    book.marketTau = finite(h.marketTau, 'marketTau');
    book.marketAccrued = finite(h.marketAccrued, 'marketAccrued');
    book.closeTau = finite(h.closeTau, 'closeTau');
    book.marketVariance = finite(h.marketVariance, 'marketVariance');
    const rows: unknown = h.symbols;
    if (!Array.isArray(rows)) throw new RangeError('instrument book snapshot: no symbols');
    for (const row of rows as Partial<InstrumentRow>[]) {
      if (typeof row?.symbol !== 'string' || typeof row.state !== 'string') {
        throw new RangeError('instrument book snapshot: bad symbol row');
      }
      const s = SymbolState.decode(row.state);
      s.persisted = true;
      book.symbols.set(row.symbol, s);
      if (s.moved) book.moved.add(row.symbol);
    }
    return book;
  }

  private static migrateV1(
    v1: LegacySnapshotV1,
    overrides: Partial<Pick<RiskModelConfig, RestoreOverridable>>,
  ): InstrumentBook {
    const book = new InstrumentBook(overrides);
    const dayScale = v1.config.tradingSecondsPerDay / (v1.config.sampleIntervalMs / 1000);
    const n = v1.matrix.length;
    const cov = Buffer.from(String(v1.covariance), 'base64');
    if (cov.length !== ((n * (n + 1)) / 2) * 8) {
      throw new RangeError('instrument book snapshot: covariance size does not match the matrix');
    }
    const variance = new Map<string, number>();
    let k = 0;
    for (let i = 0; i < n; i++) {
      variance.set(v1.matrix[i].symbol, finite(cov.readDoubleLE(8 * k), 'covariance') * dayScale);
      k += n - i;
    }
    book.clockTs = nullableFinite(v1.clockTs, 'clockTs');
    book.openBucket =
      book.clockTs === null ? null : Math.floor(book.clockTs / book.config.sampleIntervalMs);
    book.staleTotal = finite(v1.staleTotal, 'staleTotal');
    book.bucketsClosedTotal = finite(v1.bucketsClosedTotal, 'bucketsClosedTotal');
    for (const t of [...v1.instruments].sort((a, b) => a.ts - b.ts)) {
      const s = new SymbolState();
      s.price = finite(t.price, 'price');
      s.ts = finite(t.ts, 'ts');
      s.stale = finite(t.stale, 'stale');
      s.varSum = book.prior * (variance.get(t.symbol) ?? book.seedVariance);
      book.symbols.set(t.symbol, s);
      book.touch(t.symbol, s);
    }
    return book;
  }

  private varianceOf(s: SymbolState): number {
    const decayed = this.config.lambda ** s.tau;
    return s.varSum / (this.prior * decayed + 1 - decayed);
  }

  /** ± c σ over the return's own market time: ± c·√(v·Δτ). */
  private clip(r: number, s: SymbolState, dtau: number): number {
    const c = this.config.returnClipSigma;
    if (c === 0) return r;
    const bound = c * Math.sqrt(this.varianceOf(s) * dtau);
    return Math.max(-bound, Math.min(bound, r));
  }

  /**
   * Samples the market factor: r_i = ln(p_i / p_i at its last close) for every symbol that
   * ticked in the bucket (clipped), r_m their mean, Δτ the market time since the last close;
   * each EWMA term is (1 − λ^Δτ)·x/Δτ. Symbols that did not tick have r_i = 0: their terms
   * only decay, which is applied lazily from their gridTau.
   */
  private closeBucket(): void {
    const dtau = this.marketTau - this.closeTau;
    const tau = this.marketTau;
    const taken: [SymbolState, string, number][] = [];
    for (const symbol of this.moved) {
      const s = this.symbols.get(symbol);
      if (s === undefined) continue;
      s.moved = false;
      this.changed(symbol, s);
      if (Number.isNaN(s.gridPrice) || dtau <= 0) {
        if (Number.isNaN(s.gridPrice)) {
          s.gridVar = this.prior * this.varianceOf(s);
          s.gridCov = 0;
          s.gridTau = tau;
        }
        s.gridPrice = s.price;
        continue;
      }
      const r = this.clip(Math.log(s.price / s.gridPrice), s, dtau);
      s.gridPrice = s.price;
      taken.push([s, symbol, r]);
    }
    this.moved.clear();
    if (dtau <= 0) return;
    this.closeTau = tau;
    const { lambda } = this.config;
    const a = lambda ** dtau;
    const k = (1 - a) / dtau;
    const rm = taken.length === 0 ? 0 : taken.reduce((acc, t) => acc + t[2], 0) / taken.length;
    this.marketVariance = a * this.marketVariance + k * rm * rm;
    for (const [s, , r] of taken) {
      const decay = lambda ** (tau - s.gridTau);
      s.gridVar = decay * s.gridVar + k * r * r;
      s.gridCov = decay * s.gridCov + k * r * rm;
      s.gridTau = tau;
    }
  }

  private touch(symbol: string, s: SymbolState): void {
    this.changed(symbol, s);
  }

  private changed(symbol: string, s: SymbolState): void {
    s.changedAt = ++this.version;
    this.dirty.add(symbol);
  }

  /** Drops the least recently ticked unheld symbols while there are more than the cap. */
  private evict(): void {
    const cap = this.config.maxUnheldSymbols + (this.held?.heldCount() ?? 0);
    if (this.symbols.size <= cap) return;
    let budget = this.symbols.size;
    for (const [symbol, s] of this.symbols) {
      if (this.symbols.size <= cap || budget-- <= 0) break;
      this.symbols.delete(symbol);
      if (this.held?.isHeld(symbol)) {
        this.symbols.set(symbol, s); // held: never evicted; to the back of the queue
        continue;
      }
      this.moved.delete(symbol);
      this.dirty.delete(symbol);
      this.evictedTotal += 1;
      if (s.persisted) this.removed.set(symbol, ++this.version);
    }
  }
}

function notApplied(stale: boolean, invalid: boolean): TickResult {
  return { applied: false, stale, invalid, zScore: null, largeMove: false, bucketsClosed: 0 };
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`instrument book snapshot: ${field} must be a finite number`);
  }
  return value;
}

function nullableFinite(value: unknown, field: string): number | null {
  return value === null ? null : finite(value, field);
}
