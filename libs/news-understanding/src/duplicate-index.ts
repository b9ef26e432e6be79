import { cosine } from './vectors';

export interface SeenStory<T> {
  id: string;
  ts: number;
  embedding: Float32Array;
  value: T;
}

/**
 * Recent stories by headline embedding: a story whose cosine to one seen within `windowMs` reaches
 * `threshold` is the same news from another wire, and its judgement is reused. Bounded: the oldest
 * go first past `capacity`.
 */
export class DuplicateIndex<T> {
  private readonly seen: SeenStory<T>[] = [];

  constructor(
    readonly threshold: number,
    readonly windowMs: number,
    readonly capacity = 2000,
  ) {}

  /**
   * The closest earlier story within the window at or above the threshold (not `id` itself) that
   * `agrees` accepts (the caller's check that both read as the same event).
   */
  find(
    id: string,
    embedding: ArrayLike<number>,
    ts: number,
    agrees: (seen: T) => boolean = () => true,
  ): (SeenStory<T> & { cosine: number }) | undefined {
    let best: (SeenStory<T> & { cosine: number }) | undefined;
    for (const s of this.seen) {
      if (s.id === id || Math.abs(ts - s.ts) > this.windowMs) continue;
      const c = cosine(embedding, s.embedding);
      if (c >= this.threshold && (!best || c > best.cosine) && agrees(s.value))
        best = { ...s, cosine: c };
    }
    return best;
  }

  add(story: SeenStory<T>): void {
    if (this.seen.some((s) => s.id === story.id)) return;
    this.seen.push(story);
    if (this.seen.length > this.capacity) this.seen.splice(0, this.seen.length - this.capacity);
  }
}
