/**
 * The commits of a flush whose PostgreSQL work is under way: at most `max` at once (adding one
 * more waits for the oldest), all waited for before the flush saves its offsets.
 */
export class CommitsInFlight {
  private readonly running: Promise<void>[] = [];

  constructor(private readonly max: number) {}

  async add(done: Promise<void>): Promise<void> {
    done.catch(() => undefined);
    this.running.push(done);
    while (this.running.length >= this.max) await this.running.shift();
  }

  /** Waits for every commit; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.length > 0) await this.running.shift();
  }

  /** Waits for every commit, whatever its outcome. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.running.splice(0));
  }
}
