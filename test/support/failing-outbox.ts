import type { OutboxStore } from '@risk/persistence';

/**
 * The outbox as the relay sees it, failing `failures` marks after the send (every `every`-th
 * mark): a failure injected through the relay's OutboxStore port, PostgreSQL itself untouched.
 */
export class FailingMarks implements OutboxStore {
  marksFailed = 0;
  private marks = 0;
  constructor(
    private readonly inner: OutboxStore,
    private failures: number,
    private readonly every = 1,
  ) {}
  acquireRelayLock() {
    return this.inner.acquireRelayLock();
  }
  pending(limit: number) {
    return this.inner.pending(limit);
  }
  countPending() {
    return this.inner.countPending();
  }
  pendingPartitions() {
    return this.inner.pendingPartitions();
  }
  async markPublished(ids: string[]) {
    this.marks += 1;
    if (this.failures > 0 && this.marks % this.every === 0) {
      this.failures -= 1;
      this.marksFailed += 1;
      throw new Error('injected: markPublished failed after the send');
    }
    return this.inner.markPublished(ids);
  }
  markPublishedThrough(topic: string, partition: number, lastId: string) {
    return this.inner.markPublishedThrough(topic, partition, lastId);
  }
}
