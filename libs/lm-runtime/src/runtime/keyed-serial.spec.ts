import { KeyedSerial } from './keyed-serial';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('KeyedSerial', () => {
  it('runs calls on one key one at a time, in call order, and other keys alongside', async () => {
    const s = new KeyedSerial();
    const log: string[] = [];
    const gate = { open: () => {} };
    const opened = new Promise<void>((r) => (gate.open = r));
    const a1 = s.run('a', async () => {
      log.push('a1 start');
      await opened;
      log.push('a1 end');
      return 1;
    });
    const a2 = s.run('a', async () => {
      log.push('a2');
      return 2;
    });
    const b1 = s.run('b', async () => {
      log.push('b1');
      return 3;
    });
    await tick();
    expect(log).toEqual(['a1 start', 'b1']);
    expect(s.size).toBe(1); // b is done; a1 runs, a2 waits
    gate.open();
    expect(await Promise.all([a1, a2, b1])).toEqual([1, 2, 3]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    await tick();
    expect(s.size).toBe(0);
  });

  it('goes on after a failed call and reports its error to its caller only', async () => {
    const s = new KeyedSerial();
    const failed = s.run('a', () => Promise.reject(new Error('boom')));
    const next = s.run('a', () => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
