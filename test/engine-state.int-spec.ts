import type { DataSource } from 'typeorm';
import { RiskStore, openDatabase } from '@risk/persistence';
import { HoldingsIndex, InstrumentBook, type InstrumentBookSnapshot } from '@risk/risk-metrics';
import { query } from './support/harness';
import { useTestEnvironment } from './support/running-service';

/**
 * The instrument book saved incrementally in real PostgreSQL (engine_state header +
 * engine_symbol_state rows) restores to the same book; a version-1 state is migrated.
 */
describe('engine state in PostgreSQL', () => {
  const url = useTestEnvironment('engine-state', { kafka: false }).config().databaseUrl;
  let ds: DataSource;
  let store: RiskStore;

  beforeAll(async () => {
    ds = await openDatabase(url);
    store = new RiskStore(ds);
  });
  afterAll(async () => ds?.destroy());

  async function save(book: InstrumentBook, instanceId: string, fail = false): Promise<number> {
    const delta = book.stateDelta();
    if (fail) return delta.upsert.length;
    await store.commitOutcomes([], {
      instanceId,
      instruments: delta.header,
      symbols: delta,
      tickOffsets: { 'ticks:0': '42' },
    });
    book.markSaved(delta.mark);
    return delta.upsert.length;
  }

  it('writes changed rows only, deletes evicted ones, and restores the same book', async () => {
    const holdings = new HoldingsIndex();
    holdings.setHoldings('pf', ['H1', 'H2']);
    const book = new InstrumentBook({ maxUnheldSymbols: 2 });
    book.keepHeld(holdings);
    const t0 = Date.parse('2026-11-30T09:30:00.000Z');
    book.applyTick('H1', 100, t0);
    book.applyTick('H2', 50, t0 + 1);
    book.applyTick('U1', 10, t0 + 2);
    expect(await save(book, 'i1')).toBe(3);
    for (let m = 1; m <= 5; m++) {
      book.applyTick('H1', 100 + m / 10, t0 + m * 60_000);
      book.applyTick('H2', 50 - m / 20, t0 + m * 60_000 + 10);
    }
    expect(await save(book, 'i1')).toBe(3); // H1, H2, and U1 (its grid state moved on a close)
    book.applyTick('H1', 101, t0 + 6 * 60_000);
    // A failed save leaves H1 pending; the next one writes it with what changed since.
    await save(book, 'i1', true);
    book.applyTick('U2', 20, t0 + 6 * 60_000 + 5);
    book.applyTick('U3', 30, t0 + 6 * 60_000 + 6); // over the cap: U1 is forgotten
    expect(book.lastPrice('U1')).toBeUndefined();
    expect(await save(book, 'i1')).toBe(4); // H1, H2 (the close at 6 min), U2, U3
    const rows = await query<{ symbol: string }>(
      url,
      "SELECT symbol FROM engine_symbol_state WHERE instance_id = 'i1' ORDER BY symbol",
    );
    expect(rows.map((r) => r.symbol)).toEqual(['H1', 'H2', 'U2', 'U3']);

    const loaded = await store.loadEngineState('i1');
    expect(loaded?.tickOffsets).toEqual({ 'ticks:0': '42' });
    const restored = InstrumentBook.fromSnapshot(loaded!.instruments as InstrumentBookSnapshot);
    restored.keepHeld(holdings);
    for (const a of ['H1', 'H2', 'U2', 'U3', 'U1']) {
      expect(restored.lastPrice(a)).toBe(book.lastPrice(a));
      for (const b of ['H1', 'H2', 'U2']) {
        expect(restored.covarianceDay(a, b)).toBe(book.covarianceDay(a, b));
      }
    }
    expect(restored.header()).toEqual(book.header());
    // Both go on identically.
    for (const b of [restored, book]) b.applyTick('H1', 102, t0 + 7 * 60_000);
    expect(restored.covarianceDay('H1', 'H2')).toBe(book.covarianceDay('H1', 'H2'));
  });

  it('loads a version-1 state (whole covariance in engine_state) for migration', async () => {
    const cov = Buffer.alloc(8);
    cov.writeDoubleLE(2e-6, 0);
    const v1 = {
      version: 1,
      config: { sampleIntervalMs: 60_000, tradingSecondsPerDay: 23_400 },
      clockTs: 60_000,
      openBucket: 1,
      staleTotal: 0,
      bucketsClosedTotal: 1,
      instruments: [{ symbol: 'A', price: 101, ts: 60_000, stale: 0 }],
      matrix: [{ symbol: 'A', closePrice: 100, samples: 1 }],
      covariance: cov.toString('base64'),
    };
    await query(
      url,
      `INSERT INTO engine_state (instance_id, instruments, tick_offsets) VALUES ('old', $1, '{}')`,
      [JSON.stringify(v1)],
    );
    const loaded = await store.loadEngineState('old');
    const book = InstrumentBook.fromSnapshot(loaded!.instruments as InstrumentBookSnapshot);
    expect(book.lastPrice('A')).toBe(101);
    expect(book.varianceDay('A')).toBeCloseTo(2e-6 * 390, 18);
    expect(await save(book, 'old')).toBe(1);
    const again = await store.loadEngineState('old');
    expect(
      InstrumentBook.fromSnapshot(again!.instruments as InstrumentBookSnapshot).varianceDay('A'),
    ).toBe(book.varianceDay('A'));
  });
});
