/** A step request waiting for the next forward step. */
export interface WaitingStep<I> {
  readonly item: I;
  /** Higher runs first; read when the step is planned. */
  readonly priority: number;
  /** Arrival order (lower: waited longer). */
  readonly seq: number;
}

export interface StepPlanOptions<I> {
  /** Most rows per step. */
  readonly maxBatch: number;
  /** Whether a row may join the rows chosen so far (e.g. padding would waste too much). */
  readonly compatible?: (batch: readonly I[], item: I) => boolean;
  /**
   * The batch a row continues (its K/V buffer), if any: rows of the lead's group are taken
   * first, so a running batch keeps its buffer from step to step instead of being re-packed.
   */
  readonly group?: (item: I) => unknown;
  /**
   * True: a step holds rows of the highest priority waiting only (lower ones wait until none of
   * it waits). False (default): lower priorities fill the room the higher ones leave.
   */
  readonly strict?: boolean;
}

/**
 * The rows of the next forward step, as vLLM's scheduler forms each iteration's batch from
 * every waiting sequence: the lead is the oldest row of the highest priority; then that
 * priority's rows that continue the lead's batch, then its other rows oldest first, then
 * (unless strict) lower priorities in the same order; each only if compatible, up to maxBatch.
 */
export function planStep<I>(
  waiting: readonly WaitingStep<I>[],
  opts: StepPlanOptions<I>,
): WaitingStep<I>[] {
  if (waiting.length === 0) return [];
  const byAge = [...waiting].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  const lead = byAge[0];
  const leadGroup = opts.group?.(lead.item);
  const inLeadGroup = (w: WaitingStep<I>): boolean =>
    leadGroup !== undefined && opts.group?.(w.item) === leadGroup;
  const candidates = (opts.strict ? byAge.filter((w) => w.priority === lead.priority) : byAge)
    .map((w, i) => ({ w, i }))
    // Within a priority: the lead's batch first, then by age.
    .sort(
      (a, b) =>
        b.w.priority - a.w.priority ||
        Number(inLeadGroup(b.w)) - Number(inLeadGroup(a.w)) ||
        a.i - b.i,
    )
    .map(({ w }) => w);
  const chosen: WaitingStep<I>[] = [lead];
  const items: I[] = [lead.item];
  for (const w of candidates) {
    if (chosen.length >= opts.maxBatch) break;
    if (w === lead) continue;
    if (opts.compatible && !opts.compatible(items, w.item)) continue;
    chosen.push(w);
    items.push(w.item);
  }
  return chosen;
}
