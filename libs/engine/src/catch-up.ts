/**
 * Tells when the tick consumer has caught up with a backlog: a partition is behind while a batch
 * of it ends short of the partition's end (the fetch could not take all of it), and the consumer
 * has caught up when the last partition behind reaches the end. A live stream, whose fetches end
 * at the log's end, never counts as a backlog, so coalescing is unchanged; after a restart or a
 * burst the state covering the backlog is saved (and its portfolios evaluated) at once instead of
 * at the next coalescing tick.
 */
export class CatchUp {
  private readonly behind = new Set<string>();

  /** Records a batch of `partition` that ended `lag` messages short of its end; true on catch-up. */
  observe(partition: string, lag: number): boolean {
    if (lag > 0) {
      this.behind.add(partition);
      return false;
    }
    return this.behind.delete(partition) && this.behind.size === 0;
  }
}
