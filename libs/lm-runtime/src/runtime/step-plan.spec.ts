import { planStep, type WaitingStep } from './step-plan';

const w = (item: string, priority: number, seq: number): WaitingStep<string> => ({
  item,
  priority,
  seq,
});
const items = (xs: WaitingStep<string>[]) => xs.map((x) => x.item);

describe('planStep', () => {
  it('leads with the oldest row of the highest priority, then fills by priority and age', () => {
    const waiting = [w('m1', 0, 1), w('n2', 1, 5), w('m0', 0, 0), w('n1', 1, 4)];
    expect(items(planStep(waiting, { maxBatch: 3 }))).toEqual(['n1', 'n2', 'm0']);
    expect(items(planStep(waiting, { maxBatch: 8, strict: true }))).toEqual(['n1', 'n2']);
  });

  it('takes the rows that continue the lead batch before older rows of other batches', () => {
    const group = (x: string) => x[0];
    const waiting = [w('a1', 0, 0), w('b1', 0, 1), w('b2', 0, 2), w('a2', 0, 3), w('a3', 0, 4)];
    expect(items(planStep(waiting, { maxBatch: 3, group }))).toEqual(['a1', 'a2', 'a3']);
    // Rows with no batch (prefills) are not a group.
    const none = () => undefined;
    expect(items(planStep(waiting, { maxBatch: 3, group: none }))).toEqual(['a1', 'b1', 'b2']);
  });

  it('skips incompatible rows, keeps maxBatch, and plans nothing from nothing', () => {
    const len = (x: string) => x.length;
    const compatible = (batch: readonly string[], x: string) => len(batch[0]) === len(x);
    const waiting = [w('aa', 0, 0), w('b', 0, 1), w('cc', 0, 2), w('dd', 0, 3)];
    expect(items(planStep(waiting, { maxBatch: 2, compatible }))).toEqual(['aa', 'cc']);
    expect(planStep([], { maxBatch: 2 })).toEqual([]);
  });
});
