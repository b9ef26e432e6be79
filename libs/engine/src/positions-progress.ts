/**
 * How far the engine has applied the positions partitions it owns, and waits for it to reach a
 * point: a news item is evaluated only once every snapshot published before it was read is
 * applied, else a portfolio whose snapshot is still in the backlog would not be among the
 * holders and the item would be committed without its evaluation.
 *
 * Offsets are "next to apply" per partition. Until the first assignment nothing is owned and
 * nothing is covered; a partition this instance no longer owns is not waited for.
 */
export class PositionsProgress {
  private owned: Map<number, bigint> | null = null;
  private waiters: { ends: Map<number, bigint>; resolve: () => void }[] = [];

  /**
   * A rebalance gave these partitions, each applied up to (excluding) its offset; a partition
   * kept from the previous assignment keeps what was applied beyond it.
   */
  assign(next: Record<number, string>): void {
    const before = this.owned;
    this.owned = new Map();
    for (const [p, o] of toMap(next)) {
      const kept = before?.get(p);
      this.owned.set(p, kept !== undefined && kept > o ? kept : o);
    }
    this.settle();
  }

  /** Every message of `partition` before `next` is applied. */
  applied(partition: number, next: string): void {
    const cur = this.owned?.get(partition);
    if (cur === undefined || BigInt(next) <= cur) return;
    this.owned!.set(partition, BigInt(next));
    this.settle();
  }

  /** True when every owned partition is applied up to its end in `ends` (log end offsets). */
  covers(ends: Record<number, string>): boolean {
    return this.owned !== null && this.coversMap(toMap(ends));
  }

  /** Resolves once `covers(ends)` holds. */
  waitFor(ends: Record<number, string>): Promise<void> {
    const m = toMap(ends);
    if (this.owned !== null && this.coversMap(m)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ ends: m, resolve }));
  }

  private coversMap(ends: Map<number, bigint>): boolean {
    for (const [p, next] of this.owned!) {
      const end = ends.get(p);
      if (end !== undefined && next < end) return false;
    }
    return true;
  }

  private settle(): void {
    if (this.owned === null) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.coversMap(w.ends)) w.resolve();
      else this.waiters.push(w);
    }
  }
}

function toMap(ends: Record<number, string>): Map<number, bigint> {
  return new Map(Object.entries(ends).map(([p, o]) => [Number(p), BigInt(o)]));
}
