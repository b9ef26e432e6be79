import { performance } from 'node:perf_hooks';
import { ReasoningEngine } from '@risk/lm-runtime';
import { RiskReasoner } from '@risk/reasoning';
import { SHIPPED_REASONER } from './reasoning-inflight';

async function main() {
  const n = Number(process.argv[2] ?? 64);
  const strict = process.argv[3] === 'strict';
  const engine = await ReasoningEngine.open(SHIPPED_REASONER, {
    session: { executionProviders: ['cpu'] }, budgetBytes: 2 ** 31, maxBatch: 32, maxWaitMs: 0, maxStepTokens: 512,
  });
  if (strict) (engine as any).scheduler.options.strict = true;
  const r = await RiskReasoner.open(SHIPPED_REASONER, engine, { generate: true, maxReasoningTokens: 60 });
  const inp = (i: number, k: number) => ({ headline: `ACME falls ${2 + (i % 5)}.${k % 10}% in minutes`, body: `The move is ${4 + i % 9}.0 standard deviations of its recent volatility.`, exposure: { symbol: 'ACME', side: 'long' as const, quantity: 100 + i, price: 182.4, sharePct: 18.25 } });
  let stop = false; let moves = 0;
  const loops = Array.from({ length: n }, async (_, i) => { for (let k = 0; !stop; k++) { await r.judge(`m${i}`, inp(i, k)); moves++; } });
  await new Promise((res) => setTimeout(res, 3000));
  const h0 = engine.batchHistory.length; const c0 = engine.copies.bytes; const m0 = moves; const t0 = performance.now();
  let runMs = 0; const orig = (engine as any).backend.run.bind((engine as any).backend);
  (engine as any).backend.run = async (p: any) => { const s = performance.now(); const o = await orig(p); runMs += performance.now() - s; return o; };
  const lat: number[] = [];
  for (let k = 0; k < 5; k++) { const s = performance.now(); await r.judge(`news${k}`, inp(999, k), { priority: 1 }); lat.push(performance.now() - s); }
  const secs = (performance.now() - t0) / 1000;
  const h = engine.batchHistory.slice(h0);
  stop = true; await Promise.all(loops);
  console.log({ n, strict, secs, steps: h.length, meanB: h.reduce((a, b) => a + b, 0) / h.length, runMsShare: runMs / 1000 / secs, copiedMB: (engine.copies.bytes - c0) / 1e6, movesPerS: (moves - m0) / secs, news: lat.map(Math.round) });
  await engine.close();
}
void main();
