/** Kafka's next offset after `offset`. */
export const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

/**
 * The ticks applied to the engine's memory and not yet covered by a durable flush: per
 * `topic:partition`, the next offset to commit once the state covering it is saved, and how many
 * ticks arrived since the last flush. A flush takes a copy, and after its commit subtracts what
 * it covered (ticks that arrived meanwhile stay counted).
 */
export class TickProgress {
  private offsetsByPartition: Record<string, string>;
  private pending = 0;

  constructor(saved: Record<string, string> = {}) {
    this.offsetsByPartition = { ...saved };
  }

  /** A batch of `count` ticks of `topic:partition`, its last at `lastOffset`, is applied. */
  record(topic: string, partition: number, lastOffset: string | undefined, count: number): void {
    if (lastOffset !== undefined)
      this.offsetsByPartition[`${topic}:${partition}`] = nextOffset(lastOffset);
    this.pending += count;
  }

  /** Ticks applied since the last flush's commit. */
  get sinceFlush(): number {
    return this.pending;
  }

  /** A copy of the offsets to commit, as a flush saves them with the price state. */
  offsets(): Record<string, string> {
    return { ...this.offsetsByPartition };
  }

  /** A flush that took `count` ticks is durable. */
  flushed(count: number): void {
    this.pending -= count;
  }
}

/** `topic:partition` → offset entries as a Kafka consumer commits them. */
export function offsetList(
  offsets: Record<string, string>,
): { topic: string; partition: number; offset: string }[] {
  return Object.entries(offsets).map(([k, offset]) => {
    const i = k.lastIndexOf(':');
    return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset };
  });
}
