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
