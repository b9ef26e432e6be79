import { BatchScheduler } from './batch-scheduler';

describe('BatchScheduler', () => {
  it('runs requests submitted together as one batch and resolves each with its own result', async () => {
    const runner = jest.fn(async (xs: number[]) => xs.map((x) => x * 10));
    const s = new BatchScheduler(runner, { maxBatch: 8, maxWaitMs: 5 });
    const out = await Promise.all([1, 2, 3].map((x) => s.submit(x)));
    expect(out).toEqual([10, 20, 30]);
    expect(runner).toHaveBeenCalledTimes(1);
    expect(s.history).toEqual([3]);
  });

  it('splits at maxBatch and runs one batch at a time', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const s = new BatchScheduler(
      async (xs: number[]) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return xs;
      },
      { maxBatch: 4, maxWaitMs: 1000 },
    );
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => s.submit(i)));
    expect(out).toEqual([...Array(10).keys()]);
    expect(s.history).toEqual([4, 4, 2]);
    expect(maxInFlight).toBe(1);
  });

  it('runs a lone request after maxWaitMs', async () => {
    const s = new BatchScheduler(async (xs: string[]) => xs, { maxBatch: 32, maxWaitMs: 10 });
    const t0 = Date.now();
    await expect(s.submit('a')).resolves.toBe('a');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5);
  });

  it('rejects every request of a failed batch', async () => {
    const s = new BatchScheduler(
      async (): Promise<number[]> => {
        throw new Error('boom');
      },
      { maxBatch: 2, maxWaitMs: 0 },
    );
    await expect(Promise.all([s.submit(1), s.submit(2)])).rejects.toThrow('boom');
    await expect(s.submit(3)).rejects.toThrow('boom');
  });

  it('leaves incompatible requests for a later batch, in order', async () => {
    const s = new BatchScheduler(async (xs: number[]) => xs, {
      maxBatch: 8,
      maxWaitMs: 0,
      compatible: (batch, x) => Math.abs(batch[0] - x) < 10,
    });
    await Promise.all([1, 100, 2, 101, 3].map((x) => s.submit(x)));
    expect(s.history).toEqual([3, 2]);
  });

  it('starts the next batch from the highest priority waiting; equal priorities in order', async () => {
    const ran: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const s = new BatchScheduler(
      async (xs: number[]) => {
        ran.push(xs);
        if (ran.length === 1) await first;
        return xs;
      },
      { maxBatch: 2, maxWaitMs: 0, compatible: (batch, x) => batch[0] < 100 === x < 100 },
    );
    const all = [s.submit(1)];
    await new Promise((r) => setImmediate(r)); // batch [1] is running
    all.push(s.submit(2), s.submit(3), s.submit(4), s.submit(100, 1), s.submit(101, 1));
    release();
    await Promise.all(all);
    // 100 and 101 (priority 1) overtake 2, 3, 4, which keep their order.
    expect(ran).toEqual([[1], [100, 101], [2, 3], [4]]);
  });
});

describe('BatchScheduler, continuous (step by step)', () => {
  const waitUntil = async (ok: () => boolean): Promise<void> => {
    while (!ok()) await new Promise((r) => setTimeout(r, 1));
  };
  /** A sequence of `steps` forward steps; each step is a submit after the previous one is back. */
  const sequence = async (
    s: BatchScheduler<string, string>,
    id: string,
    steps: number,
    priority = 0,
  ): Promise<void> => {
    for (let i = 0; i < steps; i++) await s.submit(`${id}${i}`, priority);
  };

  it('keeps running sequences in the batch, lets new ones join at the next step and finished ones leave', async () => {
    const ran: string[][] = [];
    let release!: () => void;
    const firstStepHeld = new Promise<void>((r) => (release = r));
    const s = new BatchScheduler(
      async (xs: string[]) => {
        ran.push(xs);
        if (ran.length === 1) await firstStepHeld;
        else await new Promise((r) => setTimeout(r, 1));
        return xs;
      },
      { maxBatch: 8, maxWaitMs: 0 },
    );
    const a = sequence(s, 'a', 3);
    const b = sequence(s, 'b', 1);
    // c arrives while the first step runs (held until c is queued): it joins the second step.
    await waitUntil(() => ran.length === 1);
    const c = sequence(s, 'c', 2);
    release();
    await Promise.all([a, b, c]);
    expect(ran.map((batch) => [...batch].sort())).toEqual([
      ['a0', 'b0'],
      ['a1', 'c0'],
      ['a2', 'c1'],
    ]);
  });

  it('gives a waiting high-priority step the next batch, not the lower one queued before it', async () => {
    const ran: string[][] = [];
    const s = new BatchScheduler(
      async (xs: string[]) => {
        ran.push(xs);
        await new Promise((r) => setTimeout(r, 1));
        return xs;
      },
      { maxBatch: 2, maxWaitMs: 0, strict: true },
    );
    const moves = ['m', 'n', 'o'].map((id) => sequence(s, id, 2));
    await new Promise((r) => setTimeout(r, 0));
    const news = sequence(s, 'N', 3, 1);
    await Promise.all([...moves, news]);
    // Once the news sequence waits, every step is its own until it finishes (strict classes).
    const firstNews = ran.findIndex((b) => b.includes('N0'));
    expect(ran.slice(firstNews, firstNews + 3)).toEqual([['N0'], ['N1'], ['N2']]);
    expect(ran.flat().sort()).toEqual(['N0', 'N1', 'N2', 'm0', 'm1', 'n0', 'n1', 'o0', 'o1']);
  });

  it('reads a priority function at every step (a running call can be raised)', async () => {
    const ran: string[][] = [];
    let raised = 0;
    const s = new BatchScheduler(async (xs: string[]) => (ran.push(xs), xs), {
      maxBatch: 1,
      maxWaitMs: 0,
    });
    const low = s.submit('low', { priority: () => raised });
    const mid = s.submit('mid', 1);
    raised = 2;
    await Promise.all([low, mid]);
    expect(ran).toEqual([['low'], ['mid']]);
  });

  it('drops a queued request as soon as its signal aborts, with the signal reason', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ran: number[][] = [];
    const s = new BatchScheduler(
      async (xs: number[]) => {
        ran.push(xs);
        await gate;
        return xs;
      },
      { maxBatch: 1, maxWaitMs: 0 },
    );
    const first = s.submit(1);
    await new Promise((r) => setImmediate(r));
    const ac = new AbortController();
    const stale = s.submit(2, { signal: ac.signal });
    const next = s.submit(3);
    ac.abort(new Error('superseded'));
    await expect(stale).rejects.toThrow('superseded');
    expect(s.waiting).toBe(1);
    release();
    await expect(Promise.all([first, next])).resolves.toEqual([1, 3]);
    expect(ran).toEqual([[1], [3]]);
    expect(s.dropped).toBe(1);
  });

  it('discards the result of a running request whose signal aborted; its batch mates get theirs', async () => {
    const ac = new AbortController();
    const s = new BatchScheduler(
      async (xs: number[]) => {
        ac.abort(new Error('superseded'));
        return xs.map((x) => x * 2);
      },
      { maxBatch: 4, maxWaitMs: 0 },
    );
    const dropped = s.submit(1, { signal: ac.signal });
    const kept = s.submit(2);
    await expect(dropped).rejects.toThrow('superseded');
    await expect(kept).resolves.toBe(4);
    // Already aborted: never queued.
    await expect(s.submit(3, { signal: ac.signal })).rejects.toThrow('superseded');
    expect(s.history).toEqual([2]);
  });

  it('ages a starved request: after agingSteps steps of waiting it counts one priority higher', async () => {
    const ran: string[][] = [];
    const s = new BatchScheduler(async (xs: string[]) => (ran.push(xs), xs), {
      maxBatch: 8,
      maxWaitMs: 0,
      strict: true,
      agingSteps: 3,
    });
    const news = sequence(s, 'N', 8, 1);
    const move = s.submit('m0');
    await Promise.all([news, move]);
    // Strict classes keep m0 out of the news steps until it has waited 3 steps; then it is the
    // oldest of its (raised) class and leads.
    expect(ran.slice(0, 4)).toEqual([['N0'], ['N1'], ['N2'], ['m0', 'N3']]);
  });
});
