import { resolveRiskModelConfig, type RiskModelConfig } from './config';

/** Outcome of one tick. */
export interface TickResult {
  /** The tick became the symbol's last price. */
  readonly applied: boolean;
  /** ts ≤ the symbol's last applied ts (older or duplicate): counted, not applied. */
  readonly stale: boolean;
  /** price or ts not finite, or price ≤ 0: ignored (ingest should have dead-lettered it). */
  readonly invalid: boolean;
  /** ln(p / p_prev) in units of the EWMA σ over the elapsed time; null on a symbol's first price. */
  readonly zScore: number | null;
  /** |zScore| ≥ config.largeMoveZ: evaluate the holders now instead of coalescing. */
  readonly largeMove: boolean;
  /** Grid buckets closed by this tick's event time (the covariance changed when > 0). */
  readonly bucketsClosed: number;
}

/** What portfolio metrics need from the market: prices, covariance, warm-up. */
export interface MarketView {
  lastPrice(symbol: string): number | undefined;
  /** One-day covariance of log returns; a symbol without history gets the seed variance. */
  covarianceDay(a: string, b: string): number;
  /** Samples (closed buckets) in the symbol's EWMA variance, 0 when it has none. */
  samples(symbol: string): number;
  isWarm(symbol: string): boolean;
}

/** JSON-serialisable state of an InstrumentBook; restoring it resumes exactly. */
export interface InstrumentBookSnapshot {
  readonly version: 1;
  readonly config: RiskModelConfig;
  /** Largest applied event time (the global clock), null before the first tick. */
  readonly clockTs: number | null;
  /** floor(clockTs / Δ): the open bucket. */
  readonly openBucket: number | null;
  readonly staleTotal: number;
  readonly bucketsClosedTotal: number;
  /** Last applied tick per symbol, in first-seen order. */
  readonly instruments: readonly {
    readonly symbol: string;
    readonly price: number;
    readonly ts: number;
    readonly stale: number;
  }[];
  /** Symbols in the covariance matrix with their price at the last close and sample count. */
  readonly matrix: readonly {
    readonly symbol: string;
    readonly closePrice: number;
    readonly samples: number;
  }[];
  /**
   * Upper triangle (row-major, diagonal included) of the per-interval covariance as base64 of
   * little-endian float64: exact, and under half the size of a JSON number array.
   */
  readonly covariance: string;
}

/** Settings a restore may change: Δ, the seed and the scaling define what the covariance means. */
export type RestoreOverridable =
  'lambda' | 'largeMoveZ' | 'maxEmptyBucketsDecayed' | 'warmupBuckets' | 'minZScoreAnnualVol';

interface LastTick {
  price: number;
  ts: number;
  stale: number;
}

/**
 * Per-symbol last prices and the EWMA (RiskMetrics) covariance of log returns sampled on a fixed
 * event-time grid. A tick is O(1); a bucket close is O(n²) in the symbols with history and happens
 * once per Δ of event time. See docs/risk-methodology.md.
 */
export class InstrumentBook implements MarketView {
  readonly config: RiskModelConfig;
  private readonly last = new Map<string, LastTick>();
  private readonly index = new Map<string, number>();
  private readonly matrixSymbols: string[] = [];
  private readonly closePrices: number[] = [];
  private readonly sampleCounts: number[] = [];
  /** Full symmetric per-interval covariance, one row per matrix symbol. */
  private readonly cov: number[][] = [];
  private clockTs: number | null = null;
  private openBucket: number | null = null;
  private staleTotal = 0;
  private bucketsClosedTotal = 0;
  private readonly seedVariance: number;
  private readonly dayScale: number;
  private readonly minZVariance: number;

  constructor(config: Partial<RiskModelConfig> = {}) {
    this.config = resolveRiskModelConfig(config);
    const intervalSeconds = this.config.sampleIntervalMs / 1000;
    this.dayScale = this.config.tradingSecondsPerDay / intervalSeconds;
    const intervalsPerYear = this.config.tradingDaysPerYear * this.dayScale;
    this.seedVariance = this.config.defaultAnnualVol ** 2 / intervalsPerYear;
    this.minZVariance = this.config.minZScoreAnnualVol ** 2 / intervalsPerYear;
  }

  applyTick(symbol: string, price: number, ts: number): TickResult {
    if (!Number.isFinite(price) || price <= 0 || !Number.isFinite(ts)) {
      return {
        applied: false,
        stale: false,
        invalid: true,
        zScore: null,
        largeMove: false,
        bucketsClosed: 0,
      };
    }
    const previous = this.last.get(symbol);
    if (previous !== undefined && ts <= previous.ts) {
      previous.stale += 1;
      this.staleTotal += 1;
      return {
        applied: false,
        stale: true,
        invalid: false,
        zScore: null,
        largeMove: false,
        bucketsClosed: 0,
      };
    }
    const bucketsClosed = this.advanceTo(ts);
    let zScore: number | null = null;
    if (previous === undefined) {
      this.last.set(symbol, { price, ts, stale: 0 });
    } else {
      zScore = this.zScore(symbol, previous, price, ts);
      previous.price = price;
      previous.ts = ts;
    }
    const largeMove = zScore !== null && Math.abs(zScore) >= this.config.largeMoveZ;
    return { applied: true, stale: false, invalid: false, zScore, largeMove, bucketsClosed };
  }

  /**
   * Moves the event-time clock to `ts` (never backwards), closing every bucket it crosses.
   * applyTick calls it; returns the number of buckets closed.
   */
  advanceTo(ts: number): number {
    const bucket = Math.floor(ts / this.config.sampleIntervalMs);
    if (this.clockTs === null || this.openBucket === null) {
      this.clockTs = ts;
      this.openBucket = bucket;
      return 0;
    }
    this.clockTs = Math.max(this.clockTs, ts);
    if (bucket <= this.openBucket) return 0;
    const crossed = bucket - this.openBucket;
    this.closeBucket(crossed - 1);
    this.openBucket = bucket;
    this.bucketsClosedTotal += crossed;
    return crossed;
  }

  lastPrice(symbol: string): number | undefined {
    return this.last.get(symbol)?.price;
  }

  lastTs(symbol: string): number | undefined {
    return this.last.get(symbol)?.ts;
  }

  /** Per-interval variance of the symbol's log return (seed when it has no history). */
  intervalVariance(symbol: string): number {
    const i = this.index.get(symbol);
    return i === undefined ? this.seedVariance : this.cov[i][i];
  }

  covarianceDay(a: string, b: string): number {
    if (a === b) return this.intervalVariance(a) * this.dayScale;
    const i = this.index.get(a);
    const j = this.index.get(b);
    return i === undefined || j === undefined ? 0 : this.cov[i][j] * this.dayScale;
  }

  /** One-day volatility of the symbol's log return. */
  volatilityDay(symbol: string): number {
    return Math.sqrt(this.covarianceDay(symbol, symbol));
  }

  volatilityAnnualized(symbol: string): number {
    return this.volatilityDay(symbol) * Math.sqrt(this.config.tradingDaysPerYear);
  }

  samples(symbol: string): number {
    const i = this.index.get(symbol);
    return i === undefined ? 0 : this.sampleCounts[i];
  }

  isWarm(symbol: string): boolean {
    return this.samples(symbol) >= this.config.warmupBuckets;
  }

  staleCount(symbol?: string): number {
    return symbol === undefined ? this.staleTotal : (this.last.get(symbol)?.stale ?? 0);
  }

  stats(): {
    symbols: number;
    matrixSymbols: number;
    staleTicks: number;
    bucketsClosed: number;
    clockTs: number | null;
  } {
    return {
      symbols: this.last.size,
      matrixSymbols: this.matrixSymbols.length,
      staleTicks: this.staleTotal,
      bucketsClosed: this.bucketsClosedTotal,
      clockTs: this.clockTs,
    };
  }

  toSnapshot(): InstrumentBookSnapshot {
    const n = this.cov.length;
    const bytes = new DataView(new ArrayBuffer(((n * (n + 1)) / 2) * 8));
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) bytes.setFloat64(8 * k++, this.cov[i][j], true);
    }
    const covariance = Buffer.from(bytes.buffer).toString('base64');
    return {
      version: 1,
      config: { ...this.config },
      clockTs: this.clockTs,
      openBucket: this.openBucket,
      staleTotal: this.staleTotal,
      bucketsClosedTotal: this.bucketsClosedTotal,
      instruments: [...this.last].map(([symbol, t]) => ({
        symbol,
        price: t.price,
        ts: t.ts,
        stale: t.stale,
      })),
      matrix: this.matrixSymbols.map((symbol, i) => ({
        symbol,
        closePrice: this.closePrices[i],
        samples: this.sampleCounts[i],
      })),
      covariance,
    };
  }

  /**
   * Restores a snapshot (object or its JSON text); throws RangeError when it is malformed.
   * The grid and scaling come from the snapshot; `overrides` may change only the settings that
   * keep the stored covariance meaningful.
   */
  static fromSnapshot(
    input: InstrumentBookSnapshot | string,
    overrides: Partial<Pick<RiskModelConfig, RestoreOverridable>> = {},
  ): InstrumentBook {
    const snapshot = (
      typeof input === 'string' ? JSON.parse(input) : input
    ) as InstrumentBookSnapshot;
    if (snapshot?.version !== 1) throw new RangeError('instrument book snapshot: unknown version');
    const book = new InstrumentBook({ ...snapshot.config, ...overrides });
    const n = snapshot.matrix.length;
    const raw =
      typeof snapshot.covariance === 'string' ? Buffer.from(snapshot.covariance, 'base64') : null;
    if (raw === null || raw.length !== ((n * (n + 1)) / 2) * 8) {
      throw new RangeError('instrument book snapshot: covariance size does not match the matrix');
    }
    book.clockTs = nullableFinite(snapshot.clockTs, 'clockTs');
    book.openBucket = nullableFinite(snapshot.openBucket, 'openBucket');
    book.staleTotal = finite(snapshot.staleTotal, 'staleTotal');
    book.bucketsClosedTotal = finite(snapshot.bucketsClosedTotal, 'bucketsClosedTotal');
    for (const t of snapshot.instruments) {
      book.last.set(t.symbol, {
        price: finite(t.price, 'price'),
        ts: finite(t.ts, 'ts'),
        stale: finite(t.stale, 'stale'),
      });
    }
    snapshot.matrix.forEach((m, i) => {
      book.index.set(m.symbol, i);
      book.matrixSymbols.push(m.symbol);
      book.closePrices.push(finite(m.closePrice, 'closePrice'));
      book.sampleCounts.push(finite(m.samples, 'samples'));
      book.cov.push(new Array<number>(n).fill(0));
    });
    const bytes = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const c = finite(bytes.getFloat64(8 * k++, true), 'covariance');
        book.cov[i][j] = c;
        book.cov[j][i] = c;
      }
    }
    return book;
  }

  /**
   * Closes the open bucket, then decays for `emptyBuckets` buckets in which nothing ticked:
   * Σ ← λ^k (λ Σ + (1 − λ) r rᵀ), k capped; symbols priced for the first time join afterwards.
   */
  private closeBucket(emptyBuckets: number): void {
    const { lambda, maxEmptyBucketsDecayed } = this.config;
    const decayed = Math.min(emptyBuckets, maxEmptyBucketsDecayed);
    const decay = lambda ** decayed;
    const n = this.matrixSymbols.length;
    const r = new Array<number>(n);
    const clip = this.config.returnClipSigma;
    for (let i = 0; i < n; i++) {
      const price = this.last.get(this.matrixSymbols[i])?.price ?? this.closePrices[i];
      const raw = price === this.closePrices[i] ? 0 : Math.log(price / this.closePrices[i]);
      const bound = clip > 0 ? clip * Math.sqrt(this.cov[i][i]) : Infinity;
      r[i] = Math.max(-bound, Math.min(bound, raw));
      this.closePrices[i] = price;
      this.sampleCounts[i] += 1 + decayed;
    }
    const a = decay * lambda;
    const b = decay * (1 - lambda);
    for (let i = 0; i < n; i++) {
      const row = this.cov[i];
      const bri = b * r[i];
      for (let j = i; j < n; j++) {
        const c = a * row[j] + bri * r[j];
        row[j] = c;
        this.cov[j][i] = c;
      }
    }
    for (const [symbol, tick] of this.last) {
      if (!this.index.has(symbol)) this.join(symbol, tick.price);
    }
  }

  private join(symbol: string, price: number): void {
    const n = this.matrixSymbols.length;
    this.index.set(symbol, n);
    this.matrixSymbols.push(symbol);
    this.closePrices.push(price);
    this.sampleCounts.push(0);
    for (const row of this.cov) row.push(0);
    const row = new Array<number>(n + 1).fill(0);
    row[n] = this.seedVariance;
    this.cov.push(row);
  }

  private zScore(symbol: string, previous: LastTick, price: number, ts: number): number {
    const interval = this.config.sampleIntervalMs;
    const variance = Math.max(this.intervalVariance(symbol), this.minZVariance);
    const horizon = Math.max(ts - previous.ts, interval) / interval;
    return Math.log(price / previous.price) / (Math.sqrt(variance) * Math.sqrt(horizon));
  }
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
