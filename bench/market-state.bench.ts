/**
 * The instrument book's memory and saved-state size at scale (no Kafka, no PostgreSQL: the
 * book alone, as the engine holds it).
 *
 * - 100,000 distinct symbols ticked once each (a producer of random symbols): tracked symbols,
 *   heap and RSS after a forced GC (run with --expose-gc for exact figures).
 * - 5,000 held symbols ticking every second for 10 minutes of event time, flushed every 50 ms
 *   of event time: bytes written per flush (header JSON + changed rows), the largest and the mean.
 *
 * RESULT symbols_tracked=… heap_100k_mb=… rss_100k_mb=… flush_state_kb_max=… flush_state_kb_mean=…
 */
import { HoldingsIndex, InstrumentBook, type InstrumentBookDelta } from '@risk/risk-metrics';

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function mb(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

function deltaBytes(d: InstrumentBookDelta): number {
  return (
    Buffer.byteLength(JSON.stringify(d.header)) +
    d.upsert.reduce((n, r) => n + Buffer.byteLength(r.symbol) + r.state.length, 0) +
    d.remove.reduce((n, s) => n + Buffer.byteLength(s), 0)
  );
}

function randomSymbols(): { tracked: number; heap: number; rss: number } {
  const book = new InstrumentBook();
  const t0 = Date.parse('2026-11-30T09:30:00.000Z');
  for (let i = 0; i < 100_000; i++) {
    book.applyTick(`R${i.toString(36).toUpperCase()}`, 1 + (i % 997) / 10, t0 + i);
    if (i % 1_000 === 999) book.markSaved(book.stateDelta().mark);
  }
  gc();
  const m = process.memoryUsage();
  return { tracked: book.stats().symbols, heap: m.heapUsed, rss: m.rss };
}

function deskFlushes(): { max: number; mean: number } {
  const symbols = Array.from({ length: 5_000 }, (_, i) => `S${i}`);
  const holdings = new HoldingsIndex();
  holdings.setHoldings('desk', symbols);
  const book = new InstrumentBook();
  book.keepHeld(holdings);
  const t0 = Date.parse('2026-11-30T09:30:00.000Z');
  const price = symbols.map(() => 100);
  let seed = 7;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  let max = 0;
  let total = 0;
  let flushes = 0;
  // Every symbol ticks once a second (5,000 ticks/s); a flush every 50 ms sees ~250 of them.
  for (let ms = 0; ms < 600_000; ms += 50) {
    for (let k = 0; k < 250; k++) {
      const i = (ms / 50) * 250 + k;
      const j = i % symbols.length;
      price[j] *= Math.exp(0.0005 * (rand() - 0.5));
      book.applyTick(symbols[j], price[j], t0 + ms + (k % 50));
    }
    const d = book.stateDelta();
    const bytes = deltaBytes(d);
    book.markSaved(d.mark);
    if (ms > 0) {
      max = Math.max(max, bytes);
      total += bytes;
      flushes += 1;
    }
  }
  return { max, mean: total / flushes };
}

const r = randomSymbols();
const f = deskFlushes();
console.log(
  `100,000 random symbols: ${r.tracked} tracked, heap ${mb(r.heap)} MB, RSS ${mb(r.rss)} MB`,
);
console.log(`5,000 symbols, flush every 50 ms: max ${(f.max / 1024).toFixed(1)} KB a flush`);
console.log(
  `RESULT symbols_tracked=${r.tracked} heap_100k_mb=${mb(r.heap)} rss_100k_mb=${mb(r.rss)} flush_state_kb_max=${(f.max / 1024).toFixed(1)} flush_state_kb_mean=${(f.mean / 1024).toFixed(1)}`,
);
