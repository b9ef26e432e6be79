/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import { Registry } from 'prom-client';
import { longestCommonPrefix } from './kv/reuse-plan';
import { kvBytesPerToken } from './model-spec';
import { ReasoningEngine, withStepPriority } from './reasoning.engine';
import { ReasoningMetrics } from './reasoning.metrics';
import {
  buildTempModel,
  maxAbsDiff,
  WORKSPACE,
  openTestEngine,
} from '@risk/reasoning-tools/testing/model-fixture';

jest.setTimeout(30000);

const { system: SYSTEM, snapshot: SNAPSHOT, levels: LEVELS } = WORKSPACE;
const EVENTS = [...WORKSPACE.events];
const TOL = 1e-4;

describe('ReasoningEngine (onnxruntime-node, tiny model)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: ReasoningEngine;

  beforeAll(async () => {
    ({ dir, cleanup } = await buildTempModel());
    engine = await openTestEngine(dir, { maxStepTokens: 16 });
  });

  afterAll(async () => {
    await engine.close();
    await cleanup();
  });

  async function expectMatchesRecompute(id: string, e = engine): Promise<void> {
    const reference = await e.referenceLogits(e.contextOf(id));
    expect(maxAbsDiff(await e.lastLogits(id), reference)).toBeLessThanOrEqual(TOL);
  }

  it('reuses the shared system root, and cached logits equal a full recompute', async () => {
    const r = await engine.setContext('a', { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS });
    const system = engine.encode(SYSTEM).length;
    expect(r.timings.cachedTokens).toBe(system);
    expect(r.timings.newTokens).toBe(r.contextTokens - system);
    await expectMatchesRecompute('a');
  });

  it('computes only the new tokens after an append', async () => {
    const before = engine.contextOf('a').length;
    const r = await engine.append('a', ' News: Fed holds rates.');
    expect(r.timings.cachedTokens).toBe(before);
    expect(r.timings.newTokens).toBe(r.contextTokens - before);
    await expectMatchesRecompute('a');
  });

  it('rewinds to the common prefix when the snapshot changes', async () => {
    await engine.setContext('b', { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS });
    const before = [...engine.contextOf('b')];
    const changed = SNAPSHOT.replace('50 shares', '75 shares');
    const r = await engine.setContext('b', { system: SYSTEM, snapshot: changed, events: EVENTS });
    const lcp = longestCommonPrefix(before, engine.contextOf('b'));
    expect(lcp).toBeGreaterThan(engine.encode(SYSTEM).length);
    expect(r.timings.cachedTokens).toBe(lcp);
    expect(r.timings.newTokens).toBe(r.contextTokens - lcp);
    await expectMatchesRecompute('b');
  });

  it('rebuilds an evicted cache with the same logits', async () => {
    const before = await engine.lastLogits('b');
    expect(engine.evict('b')).toBe(true);
    const after = await engine.lastLogits('b');
    expect(maxAbsDiff(before, after)).toBeLessThanOrEqual(TOL);
    await expectMatchesRecompute('b');
  });

  it('batches concurrent contexts into one run with the same logits as alone', async () => {
    const batched = await openTestEngine(dir, { maxBatch: 8, maxWaitMs: 20 });
    const ids = ['x1', 'x2', 'x3', 'x4'];
    // Different past lengths and new-token counts per row, so padding is exercised.
    await Promise.all(
      ids.map((id, i) =>
        batched.setContext(id, {
          system: SYSTEM,
          snapshot: `${SNAPSHOT} ${'extra '.repeat(i)}`,
          events: EVENTS.slice(0, i % 2),
        }),
      ),
    );
    await Promise.all(
      ids.map((id, i) => batched.append(id, ` Event ${i}: ${'shock '.repeat(i + 1)}`)),
    );
    expect(Math.max(...batched.batchHistory)).toBeGreaterThan(1);
    for (const id of ids) await expectMatchesRecompute(id, batched);
    const scores = await Promise.all(ids.map((id) => batched.scoreOptions(id, LEVELS)));
    for (const [i, id] of ids.entries()) {
      const alone = await engine.prefill('alone', batched.contextOf(id));
      expect(alone.contextTokens).toBe(batched.contextOf(id).length);
      const ref = await engine.scoreOptions('alone', LEVELS);
      for (let k = 0; k < LEVELS.length; k++) {
        expect(Math.abs(ref.logProbs[k] - scores[i].logProbs[k])).toBeLessThanOrEqual(1e-3);
      }
    }
    // Batched generation: after the first step the rows continue their batch in place (the
    // batch's own buffer, grown by each step's new K/V); rows of different lengths finish early
    // and stay as idle rows.
    const copiedBefore = batched.copies.bytes;
    const generated = await Promise.all(
      ids.map((id, i) => batched.generate(id, { maxTokens: 6 + 2 * i })),
    );
    const firstStepCopy = ids.reduce(
      (n, id) => n + batched.contextOf(id).length * kvBytesPerToken(batched.spec),
      0,
    );
    // Plus one compaction when the last row goes on alone (fewer than half the rows live).
    const longest = Math.max(...ids.map((id) => batched.contextOf(id).length)) + 12;
    const lastAlone = longest * kvBytesPerToken(batched.spec);
    // And each step writes its new K/V into the batch's own buffer: one slot per row and step.
    const grown = ids.length * (6 + 2 * (ids.length - 1)) * kvBytesPerToken(batched.spec);
    expect(batched.copies.bytes - copiedBefore).toBeLessThanOrEqual(
      firstStepCopy + lastAlone + grown,
    );
    for (const [i, id] of ids.entries()) {
      await engine.prefill('alone', batched.contextOf(id));
      const alone = await engine.generate('alone', { maxTokens: 6 + 2 * i });
      expect(alone.tokens).toEqual(generated[i].tokens);
    }
    await batched.close();
  });

  it('scores options on a branch: probabilities sum to 1 and the cache is untouched', async () => {
    const tokens = [...engine.contextOf('a')];
    const s = await engine.scoreOptions('a', LEVELS);
    expect(s.probabilities.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 10);
    expect(engine.contextOf('a')).toEqual(tokens);
    expect(engine.cache.peek('a')?.tokens).toEqual(tokens);
    const again = await engine.scoreOptions('a', LEVELS);
    expect(again.logProbs).toEqual(s.logProbs);
    expect(again.timings.cachedTokens).toBe(tokens.length);
  });

  it('generates greedily and deterministically, the same with and without the cache', async () => {
    const g1 = await engine.generate('a', { maxTokens: 12 });
    const g2 = await engine.generate('a', { maxTokens: 12 });
    expect(g2.tokens).toEqual(g1.tokens);
    const uncached = await openTestEngine(dir, { budgetBytes: 0 });
    await uncached.prefill('a', engine.contextOf('a'));
    const g3 = await uncached.generate('a', { maxTokens: 12 });
    expect(g3.tokens).toEqual(g1.tokens);
    // Token by token, a full recompute of context + generated picks the same tokens.
    const seq = [...engine.contextOf('a')];
    for (const t of g1.tokens) {
      const logits = await engine.referenceLogits(seq);
      expect(logits.indexOf(Math.max(...logits))).toBe(t);
      seq.push(t);
    }
    expect(uncached.stats().bytesInUse).toBe(0);
    await uncached.close();
  });

  it('stops generation on a stop string and reports per-token callbacks', async () => {
    const seen: number[] = [];
    const g = await engine.generate('a', { maxTokens: 6, onToken: (t) => seen.push(t) });
    expect(seen).toEqual(g.tokens);
    if (g.text.length > 1) {
      const stop = g.text.slice(1, 2);
      const s = await engine.generate('a', { maxTokens: 6, stop: [stop] });
      expect(s.stoppedBy).toBe('stop');
      expect(s.text.includes(stop)).toBe(false);
    }
  });

  it('reasons over a text longer than the context chunk by chunk', async () => {
    const body = Array.from(
      { length: 30 },
      (_, i) => `Sentence ${i} about AAPL supply chain risk.`,
    ).join(' ');
    const r = await engine.reasonOverLongText(
      'long',
      { system: SYSTEM, snapshot: SNAPSHOT, events: [] },
      body,
      LEVELS,
      { maxContextTokens: 160 },
    );
    expect(r.chunks.length).toBeGreaterThan(1);
    for (const c of r.chunks) expect(c.scores.timings.cachedTokens).toBeGreaterThan(0);
    expect(engine.contextOf('long').length).toBeLessThanOrEqual(160);
  });

  it('keeps the budget, never evicts an in-use cache, honours pins, and exports metrics', async () => {
    const registry = new Registry();
    const perToken = kvBytesPerToken(engine.spec);
    const small = await ReasoningEngine.open(
      dir,
      {
        session: { executionProviders: ['cpu'], intraOpNumThreads: 1 },
        budgetBytes: 400 * perToken,
        maxBatch: 4,
        maxWaitMs: 0,
        maxStepTokens: 64,
      },
      { metrics: new ReasoningMetrics(registry) },
    );
    const parts = (i: number) => ({
      system: SYSTEM,
      snapshot: `${SNAPSHOT} #${i}`,
      events: EVENTS,
    });
    await small.setContext('pinned', parts(0));
    small.pin('pinned');
    for (let i = 1; i <= 6; i++) {
      await small.setContext(`p${i}`, parts(i));
      const s = small.stats();
      expect(s.bytesInUse).toBeLessThanOrEqual(s.budgetBytes);
    }
    expect(small.cache.has('pinned')).toBe(true);
    expect(small.stats().evictions).toBeGreaterThan(0);
    // While p1 generates, its cache is leased; concurrent contexts under budget pressure
    // may evict others (or go uncached) but never evict it.
    await small.setContext('p1', parts(1));
    const held: boolean[] = [];
    const generating = small.generate('p1', {
      maxTokens: 6,
      onToken: () => held.push(small.cache.isLeased('p1') && small.cache.has('p1')),
    });
    await Promise.all([2, 3, 4, 5].map((i) => small.setContext(`q${i}`, parts(i + 10))));
    await generating;
    expect(held.length).toBeGreaterThan(0);
    expect(held.every(Boolean)).toBe(true);
    expect(small.cache.has('p1')).toBe(true);
    expect(small.stats().bytesInUse).toBeLessThanOrEqual(small.stats().budgetBytes);
    const text = await registry.metrics();
    expect(text).toMatch(/reasoning_kv_hit_tokens_total \d+/);
    expect(text).toMatch(/reasoning_kv_bytes_in_use \d+/);
    expect(text).toMatch(/reasoning_kv_evictions_total [1-9]/);
    await small.close();
  });
});

describe('ReasoningEngine with a sliding-window model', () => {
  it('keeps at most G + W - 1 positions and equals a full recompute under the same mask', async () => {
    const { dir, cleanup } = await buildTempModel(
      { slidingWindow: { window: 12, globalTokens: 4 } },
      11,
    );
    const e = await openTestEngine(dir, { maxStepTokens: 8 });
    try {
      expect(e.spec.slidingWindow).toEqual({ window: 12, globalTokens: 4 });
      await e.setContext('w', { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS });
      for (let i = 0; i < 3; i++) {
        await e.append('w', ` Event ${i}: more news arrives.`);
        expect(e.cache.peek('w')?.block.length).toBeLessThanOrEqual(4 + 12 - 1);
        const ref = await e.referenceLogits(e.contextOf('w'));
        expect(maxAbsDiff(await e.lastLogits('w'), ref)).toBeLessThanOrEqual(TOL);
      }
      const g = await e.generate('w', { maxTokens: 8 });
      const seq = [...e.contextOf('w')];
      for (const t of g.tokens) {
        const logits = await e.referenceLogits(seq);
        expect(logits.indexOf(Math.max(...logits))).toBe(t);
        seq.push(t);
      }
    } finally {
      await e.close();
      await cleanup();
    }
  });
});

describe('ReasoningEngine step priority', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await buildTempModel());
  });

  afterAll(async () => {
    await cleanup();
  });

  it('runs the steps of a call made withStepPriority ahead of routine ones', async () => {
    // One row per step, so the order of steps is the order the scheduler picks.
    const e = await openTestEngine(dir, { maxBatch: 1 });
    const ids = ['r1', 'r2', 'r3', 'r4', 'urgent'];
    for (const id of ids) await e.prefill(id, e.encode(`${SYSTEM} ${id}`));
    const finished: string[] = [];
    const gen = (id: string) =>
      e.generate(id, { maxTokens: 8, minTokens: 8 }).then(() => void finished.push(id));
    const routine = ids.slice(0, 4).map(gen);
    const urgent = withStepPriority(1, () => gen('urgent'));
    await Promise.all([...routine, urgent]);
    // Submitted last, it finishes first: its steps never wait behind the queued routine ones.
    expect(finished[0]).toBe('urgent');
    await e.close();
  });
});
