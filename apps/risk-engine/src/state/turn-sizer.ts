/**
 * How many items a long job (a flush of thousands of portfolios) takes per turn of the engine
 * lock, so a turn lasts about `targetMs`: sized from the time per item the last turns took
 * (an EWMA), between `min` and `max`. Short turns let news in quickly; turns of a fixed count
 * were either long (slow portfolios) or many, each waiting behind the news turns let ahead of
 * it (bench:scale: a 2,000-portfolio flush of 16-portfolio turns never finished).
 */
export class TurnSizer {
  private perItemMs: number | undefined;

  constructor(
    private readonly targetMs: number,
    private readonly min: number,
    private readonly max: number,
    private readonly first = min,
  ) {}

  /** Items for the next turn. */
  next(): number {
    if (this.perItemMs === undefined) return this.first;
    const n = Math.floor(this.targetMs / Math.max(this.perItemMs, 1e-3));
    return Math.min(this.max, Math.max(this.min, n));
  }

  /** A turn took `ms` for `items`. */
  took(items: number, ms: number): void {
    if (items <= 0) return;
    const sample = ms / items;
    this.perItemMs =
      this.perItemMs === undefined ? sample : this.perItemMs + 0.3 * (sample - this.perItemMs);
  }
}
