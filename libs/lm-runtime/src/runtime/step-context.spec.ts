import { abortReason, currentStepContext, withStepPriority, withStepSignal } from './step-context';

describe('step context', () => {
  it('carries priority and signal across awaits; nested priorities keep the higher', async () => {
    expect(currentStepContext().priority()).toBe(0);
    const ac = new AbortController();
    let raised = 0;
    const seen = await withStepSignal(
      ac.signal,
      () =>
        withStepPriority(1, async () => {
          await new Promise((r) => setImmediate(r));
          const c = currentStepContext();
          const before = c.priority();
          raised = 3;
          return { before, after: c.priority(), signal: c.signal };
        }),
      () => raised,
    );
    expect(seen).toEqual({ before: 1, after: 3, signal: ac.signal });
  });

  it('an inner withStepSignal(undefined) runs without the outer signal, at the outer priority', async () => {
    const ac = new AbortController();
    const inner = await withStepSignal(ac.signal, () =>
      withStepPriority(2, () => withStepSignal(undefined, async () => currentStepContext())),
    );
    expect(inner.signal).toBeUndefined();
    expect(inner.priority()).toBe(2);
  });

  it('gives the abort reason as an Error', () => {
    const ac = new AbortController();
    ac.abort(new RangeError('stale'));
    expect(abortReason(ac.signal)).toBeInstanceOf(RangeError);
    const other = new AbortController();
    other.abort('why');
    expect(abortReason(other.signal).message).toBe('aborted: why');
  });
});
