/**
 * Runs async calls one at a time per key, in call order; calls on different keys run freely.
 * A failed call does not stop the ones queued after it. Keys with nothing queued are forgotten.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a call running or queued. */
  get size(): number {
    return this.tails.size;
  }
}
