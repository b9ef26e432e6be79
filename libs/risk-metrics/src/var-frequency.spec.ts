import { InstrumentBook } from './instrument-book';
import { mulberry32 } from '@risk/lm-runtime/prng';

/**
 * The one-day σ must not depend on how often a symbol ticks. A log-price random walk with a
 * true one-day σ of 1 % (a quarter of the variance overnight, as the default overnightShare
 * says; the rest spread evenly over the 6.5-h session) is sampled every second, minute and
 * hour of the session and once a day at the close, Monday to Friday. After a burn-in that lets
 * the default 30 % seed fade, the mean of the book's one-day variance at each close must give
 * σ within 5 % of 1 %. The random numbers are seeded, so the run is reproducible.
 */
const SIGMA_DAY = 0.01;
const SESSION_MS = 23_400_000;
const OPEN_MS = 9.5 * 3_600_000;
const DAY_MS = 86_400_000;

function normal(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Estimated one-day σ from `days` trading days sampled every `stepMs` (0: once, at the close). */
function estimate(stepMs: number, days: number, burnIn: number, seed: number): number {
  const z = normal(mulberry32(seed));
  const book = new InstrumentBook();
  const overnight = 0.25;
  let logPrice = Math.log(100);
  let lastOffset: number | null = null;
  let sum = 0;
  let n = 0;
  let tradingDay = 0;
  for (let day = 0; tradingDay < days; day++) {
    if (day % 7 >= 5) continue; // weekend
    const offsets =
      stepMs === 0
        ? [SESSION_MS]
        : Array.from({ length: Math.floor(SESSION_MS / stepMs) + 1 }, (_, k) => k * stepMs);
    for (const offset of offsets) {
      // Variance since the previous tick: session time elapsed, plus the night when it is a new day.
      const sessionShare =
        lastOffset === null
          ? 0
          : offset > lastOffset
            ? offset - lastOffset
            : SESSION_MS - lastOffset + offset;
      const nights = lastOffset !== null && offset <= lastOffset ? overnight : 0;
      const variance = SIGMA_DAY ** 2 * ((1 - overnight) * (sessionShare / SESSION_MS) + nights);
      if (lastOffset !== null) logPrice += Math.sqrt(variance) * z();
      book.applyTick('S', Math.exp(logPrice), day * DAY_MS + OPEN_MS + offset);
      lastOffset = offset;
    }
    tradingDay += 1;
    if (tradingDay > burnIn) {
      sum += book.varianceDay('S');
      n += 1;
    }
  }
  return Math.sqrt(sum / n);
}

describe('one-day σ at any tick frequency (GBM, σ_day = 1 %)', () => {
  it.each([
    ['1 s', 1_000, 90, 50],
    ['1 min', 60_000, 600, 60],
    ['1 h', 3_600_000, 2_000, 60],
    ['1 day', 0, 3_000, 60],
  ])('sampled every %s', (_name, stepMs, days, burnIn) => {
    const sigma = estimate(stepMs, days, burnIn, 17);
    expect(Math.abs(sigma / SIGMA_DAY - 1)).toBeLessThan(0.05);
  });
});
