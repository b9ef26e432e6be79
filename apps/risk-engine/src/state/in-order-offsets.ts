import { nextOffset } from '@risk/engine';

/**
 * The offsets of one partition's messages being worked on at once, for committing in order:
 * a message that finishes before an earlier one commits nothing until that one finishes, then
 * both (the commit is the offset after the last of a finished run from the oldest).
 */
export class InOrderOffsets {
  /** Offsets started and not yet covered by a commit, oldest first, each with whether it finished. */
  private readonly open: { offset: string; finished: boolean }[] = [];

  /** The last offset started. */
  private last: bigint | null = null;

  /**
   * A message at `offset` is being worked on. False (and nothing recorded) when it is not later
   * than every one started before: delivered again, it is being or has been worked on already.
   */
  started(offset: string): boolean {
    const at = BigInt(offset);
    if (this.last !== null && at <= this.last) return false;
    this.last = at;
    this.open.push({ offset, finished: false });
    return true;
  }

  /**
   * The message at `offset` is done (its effects durable). Returns the offset to commit now (the
   * next one to read), or null while an earlier message is still being worked on.
   */
  finished(offset: string): string | null {
    const entry = this.open.find((e) => e.offset === offset);
    if (!entry) throw new Error(`offset ${offset} was not started`);
    entry.finished = true;
    let commit: string | null = null;
    while (this.open.length > 0 && this.open[0].finished)
      commit = nextOffset(this.open.shift()!.offset);
    return commit;
  }

  /** Messages started and not yet committable. */
  get pending(): number {
    return this.open.length;
  }
}
