import { EngineLock, URGENT } from './engine-lock';

/** A turn that holds the lock until released. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { fn: () => done, release };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('EngineLock', () => {
  it('runs one turn at a time, in order', async () => {
    const lock = new EngineLock();
    const order: string[] = [];
    let inside = 0;
    let most = 0;
    const turn = (name: string) =>
      lock.run(async () => {
        most = Math.max(most, ++inside);
        await settle();
        order.push(name);
        inside--;
      });
    await Promise.all([turn('a'), turn('b'), turn('c')]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
  });

  it('grants an urgent turn ahead of routine turns already waiting, never the one in progress', async () => {
    const lock = new EngineLock();
    const first = held();
    const order: string[] = [];
    const running = lock.run(first.fn).then(() => order.push('flush-1'));
    const routine = lock.run(async () => order.push('flush-2'));
    const urgent = lock.run(async () => order.push('news'), URGENT);
    await settle();
    expect(order).toEqual([]);
    first.release();
    await Promise.all([running, routine, urgent]);
    expect(order).toEqual(['flush-1', 'news', 'flush-2']);
  });

  it('passes a failure to its caller and frees the lock', async () => {
    const lock = new EngineLock();
    await expect(lock.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run(async () => 7)).resolves.toBe(7);
    await expect(
      lock.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(lock.run(async () => 8)).resolves.toBe(8);
  });

  it('lets at most two urgent turns pass a routine turn that waits: a flush still advances', async () => {
    const lock = new EngineLock();
    const first = held();
    const order: string[] = [];
    const turns = [lock.run(first.fn)];
    turns.push(lock.run(async () => void order.push('flush')));
    for (const n of ['n1', 'n2', 'n3', 'n4'])
      turns.push(lock.run(async () => void order.push(n), URGENT));
    first.release();
    await Promise.all(turns);
    expect(order).toEqual(['n1', 'n2', 'flush', 'n3', 'n4']);
  });
});
