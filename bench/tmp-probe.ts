import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ReasoningEngine } from '@risk/lm-runtime';
const dir = path.resolve('.cache/models', require('node:fs').readdirSync('.cache/models').find((d: string) => d.startsWith('context-bench-bench')));
(async () => {
  const engine = await ReasoningEngine.open(dir, { session: { executionProviders: ['cpu'] }, budgetBytes: 1 << 30, maxBatch: 32, maxWaitMs: 0, maxStepTokens: 512 } as never);
  let sys = ''; while (engine.encode(sys).length < 2000) sys += 'Judge how each news item moves this portfolio, its limits and VaR. ';
  const opts = [' severe negative\n', ' negative\n', ' neutral\n', ' positive\n'];
  console.log('option tokens', opts.map((o) => engine.encode(o).length));
  await engine.setContext('w', { system: sys, snapshot: 'Book: x.\n', events: ['News: warm'] });
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const r = await engine.setContext(`k${i}`, { system: sys, snapshot: `Book: gross ${i}% of nav; long ACME 7.3%.\n`, events: [`News: ACME cuts guidance ${i}. Shares fell in early trading.\nPosition: long 400 ACME at 182.40 = 7.3% of nav.\nReasoning: \nImpact:`] });
    const t1 = performance.now();
    await engine.scoreOptions(`k${i}`, opts);
    const t2 = performance.now();
    console.log('shared', r.timings.newTokens, (t1 - t0).toFixed(1), 'options', (t2 - t1).toFixed(1));
  }
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = await engine.setContext(`u${i}`, { system: '', snapshot: sys + `Book: gross ${i}% of nav; long ACME 7.3%.\n`, events: [`News: ACME cuts guidance ${i}. Shares fell.\nReasoning: \nImpact:`] });
    const t1 = performance.now();
    await engine.scoreOptions(`u${i}`, opts);
    const t2 = performance.now();
    console.log('unshared', r.timings.newTokens, (t1 - t0).toFixed(1), 'options', (t2 - t1).toFixed(1));
  }
  await engine.close();
})();
