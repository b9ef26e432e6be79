/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import * as path from 'node:path';
import { ReasoningEngine, withStepPriority, withStepSignal } from './reasoning.engine';
import { InFlightLimiter, SupersededError } from './runtime/in-flight';
import { maxAbsDiff, openTestEngine } from '@risk/reasoning-tools/testing/model-fixture';

jest.setTimeout(60000);

// The shipped reasoner (3 layers, sliding window 64 + 4 global tokens).
const SHIPPED = path.resolve(__dirname, '..', '..', '..', 'models', 'risk-reasoner', 'int8');
const TOL = 1e-4;
const context = (i: number) =>
  `Book: gross ${20 + i}% of nav; long ACME ${10 + i}.0%.\nNews: ACME ${i % 2 ? 'jumps' : 'falls'} ${i + 2}.5% in minutes. The move is ${4 + i}.0 standard deviations.`;

describe('continuous batching on the shipped reasoner', () => {
  let batched: ReasoningEngine;
  let alone: ReasoningEngine;

  beforeAll(async () => {
    batched = await openTestEngine(SHIPPED, { maxBatch: 8, maxStepTokens: 16 });
    alone = await openTestEngine(SHIPPED, { maxBatch: 1, maxStepTokens: 16 });
  });

  afterAll(async () => {
    await batched.close();
    await alone.close();
  });

  /** Greedy tokens and final logits of `id` computed with nothing else running. */
  async function reference(id: string, text: string, maxTokens: number) {
    await alone.prefill(id, text);
    const g = await alone.generate(id, { maxTokens, minTokens: maxTokens });
    return { tokens: g.tokens, logits: await alone.lastLogits(id) };
  }

  it('sequences that join a running batch and leave it early get exactly what they get alone', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const maxTokens = (i: number) => 4 + 3 * i;
    const started = batched.batchHistory.length;
    // a, b, c start together; d, e, f join while they decode, and all leave at their own length.
    let gate!: () => void;
    const midway = new Promise<void>((r) => (gate = r));
    const run = (i: number) =>
      batched.prefill(ids[i], context(i)).then(() =>
        batched.generate(ids[i], {
          maxTokens: maxTokens(i),
          minTokens: maxTokens(i),
          onToken: () => i === 2 && gate(),
        }),
      );
    const first = [0, 1, 2].map(run);
    await midway;
    const joined = Promise.all([3, 4, 5].map(run));
    const results = [...(await Promise.all(first)), ...(await joined)];
    for (const [i, id] of ids.entries()) {
      const ref = await reference(id, context(i), maxTokens(i));
      expect(results[i].tokens).toEqual(ref.tokens);
      expect(maxAbsDiff(await batched.lastLogits(id), ref.logits)).toBeLessThanOrEqual(TOL);
    }
    const steps = batched.batchHistory.slice(started);
    expect(Math.max(...steps)).toBeGreaterThanOrEqual(4);
  });

  it('drops a superseded call at its next step; its batch mates and its own next call are exact', async () => {
    const limiter = new InFlightLimiter(2);
    const ids = ['s0', 's1', 's2'];
    await Promise.all(ids.map((id, i) => batched.prefill(id, context(i + 10))));
    let tokensOfStale = 0;
    const judge = (id: string) =>
      limiter.run(id, 'move', 0, (signal, priority) =>
        withStepSignal(
          signal,
          () =>
            batched.generate(id, {
              maxTokens: 12,
              minTokens: 12,
              onToken: () => {
                if (id !== 's1') return;
                // A newer move for s1 arrives after its third token.
                if (++tokensOfStale === 3) limiter.supersede('s1', 'move');
              },
            }),
          priority,
        ),
      );
    const outcomes = await Promise.allSettled(ids.map(judge));
    expect(outcomes[1].status).toBe('rejected');
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(SupersededError);
    // Dropped at its next step: not one token more.
    expect(tokensOfStale).toBe(3);
    for (const i of [0, 2]) {
      const ref = await reference(ids[i], context(i + 10), 12);
      expect(
        (outcomes[i] as PromiseFulfilledResult<{ tokens: readonly number[] }>).value.tokens,
      ).toEqual(ref.tokens);
    }
    // The dropped call left the context as it was: the next call on s1 is exact.
    const again = await batched.generate('s1', { maxTokens: 12, minTokens: 12 });
    expect(again.tokens).toEqual((await reference('s1', context(11), 12)).tokens);
  });

  it('drops a superseded prefill between its chunks; the context is recomputed exactly next time', async () => {
    const ac = new AbortController();
    const long = `${context(20)} ${context(21)} ${context(22)}`;
    const steps = batched.batchHistory.length;
    const dropped = withStepSignal(ac.signal, () => batched.prefill('p', long));
    // Aborted while its first 16-token chunk waits: none of its chunks runs after that.
    ac.abort(new SupersededError('p', 'news'));
    await expect(dropped).rejects.toBeInstanceOf(SupersededError);
    expect(batched.batchHistory.length - steps).toBeLessThanOrEqual(1);
    await batched.prefill('p', long);
    const recomputed = await batched.referenceLogits(batched.contextOf('p'));
    expect(maxAbsDiff(await batched.lastLogits('p'), recomputed)).toBeLessThanOrEqual(TOL);
  });

  it('runs news steps ahead of move steps already in flight', async () => {
    const e = await openTestEngine(SHIPPED, { maxBatch: 2 });
    try {
      const moves = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
      for (const [i, id] of [...moves, 'news'].entries()) await e.prefill(id, context(i));
      const finished: string[] = [];
      const gen = (id: string) =>
        e.generate(id, { maxTokens: 16, minTokens: 16 }).then(() => void finished.push(id));
      const routine = moves.map(gen);
      await new Promise((r) => setImmediate(r));
      const news = withStepPriority(1, () => gen('news'));
      await Promise.all([...routine, news]);
      // Six moves of 16 steps at two rows a step need 48 steps; the news item needs its 16.
      expect(finished[0]).toBe('news');
    } finally {
      await e.close();
    }
  });
});
