/**
 * News latency under load (a section of npm run bench:reasoning; alone with
 * `npm run bench:reasoning -- --inflight`): the shipped reasoner judges price moves for N
 * portfolios without pause (each portfolio starts its next move judgement when the last one is
 * back, so N are always in flight), and news items for other portfolios are judged one after
 * another meanwhile, with the news priority. Reports each news item's reasoning latency (p50,
 * p99) per N and the move judgements finished per second.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ReasoningEngine, type ReasoningRuntimeConfig } from '@risk/lm-runtime';
import { RiskReasoner, type NewsInput } from '@risk/reasoning';

export interface InflightFigures {
  readonly inFlight: number;
  readonly newsP50Ms: number;
  readonly newsP99Ms: number;
  readonly newsCount: number;
  readonly movesPerSec: number;
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  // Nearest rank: with fewer than 100 samples p99 is the largest.
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

const book = {
  holdings: [
    { symbol: 'ACME', side: 'long' as const, sharePct: 18.25 },
    { symbol: 'NOVA', side: 'short' as const, sharePct: 6 },
  ],
  grossPct: 24.25,
};

function moveInput(i: number, k: number): NewsInput {
  const pct = (2 + ((i * 7 + k * 3) % 60) / 10).toFixed(1);
  return {
    headline: `ACME ${k % 2 ? 'jumps' : 'falls'} ${pct}% in minutes`,
    body: `The move is ${(4 + ((i + k) % 30)).toFixed(1)} standard deviations of its recent volatility.`,
    exposure: { symbol: 'ACME', side: 'long', quantity: 100 + i, price: 182.4, sharePct: 18.25 },
    book,
  };
}

function newsInput(k: number): NewsInput {
  return {
    headline: `SEC opens probe into ACME accounting (${k})`,
    body: 'The regulator said it had asked for documents covering the last three fiscal years.',
    exposure: { symbol: 'ACME', side: 'long', quantity: 500, price: 182.4, sharePct: 12.5 },
    book,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One run per N on one engine; the engine's scheduler is whatever this tree ships. */
export async function newsUnderLoad(
  modelDir: string,
  config: ReasoningRuntimeConfig,
  inFlight: readonly number[],
  newsPerRun: number,
  log: (line: string) => void = console.log,
): Promise<InflightFigures[]> {
  const engine = await ReasoningEngine.open(modelDir, config);
  const reasoner = await RiskReasoner.open(modelDir, engine, {
    generate: true,
    maxReasoningTokens: 60,
  });
  const out: InflightFigures[] = [];
  try {
    // Warm the session and the shared system prompt.
    await reasoner.judge('warm', newsInput(-1), { priority: 1 });
    for (const n of inFlight) {
      let stop = false;
      let moves = 0;
      const loops = Array.from({ length: n }, async (_, i) => {
        for (let k = 0; !stop; k++) {
          await reasoner.judge(`m${n}-${i}`, moveInput(i, k), { priority: 0 });
          moves++;
        }
      });
      // Let every move loop reach its decode steps before the first news item.
      const warm = performance.now();
      while (moves < n && performance.now() - warm < 20_000) await sleep(50);
      const lat: number[] = [];
      const movesAt = moves;
      const t0 = performance.now();
      for (let k = 0; k < newsPerRun; k++) {
        const s = performance.now();
        await reasoner.judge(`news-${k % 4}`, newsInput(k), { priority: 1 });
        lat.push(performance.now() - s);
        await sleep(20 + ((k * 37) % 80));
      }
      const seconds = (performance.now() - t0) / 1000;
      const movesDone = moves - movesAt;
      stop = true;
      await Promise.all(loops);
      const f: InflightFigures = {
        inFlight: n,
        newsP50Ms: quantile(lat, 0.5),
        newsP99Ms: quantile(lat, 0.99),
        newsCount: lat.length,
        movesPerSec: movesDone / seconds,
      };
      out.push(f);
      log(
        `${n} move judgements in flight: news reasoning p50 ${f.newsP50Ms.toFixed(0)} ms, p99 ` +
          `${f.newsP99Ms.toFixed(0)} ms (${f.newsCount} items); ${f.movesPerSec.toFixed(1)} move ` +
          `judgements/s meanwhile`,
      );
      for (let i = 0; i < n; i++) reasoner.forget(`m${n}-${i}`);
    }
  } finally {
    await engine.close();
  }
  return out;
}

export const SHIPPED_REASONER = path.resolve(__dirname, '..', 'models', 'risk-reasoner', 'int8');
