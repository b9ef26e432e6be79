import type { Instrument, ReferenceChange } from '@risk/contracts';
import { collapseReferenceChanges } from './reference-store';

const relation = (id: string, ts: string, weight: number): ReferenceChange => ({
  kind: 'relation',
  op: 'upsert',
  key: id,
  value: { id, ts, from: 'A', to: 'B', kind: 'supplier_of', weight },
});
const instrument = (symbol: string, ts: string, name: string): ReferenceChange => ({
  kind: 'instrument',
  op: 'upsert',
  key: symbol,
  value: { symbol, ts, name } as Instrument,
});
const del = (kind: 'instrument' | 'relation', key: string): ReferenceChange => ({
  kind,
  op: 'delete',
  key,
});

describe('collapseReferenceChanges', () => {
  it('keeps the latest version of each key', () => {
    const out = collapseReferenceChanges([
      relation('r-1', '2026-11-30T08:00:00Z', 0.2),
      relation('r-1', '2026-11-30T09:00:00Z', 0.3),
      instrument('X', '2026-11-30T08:00:00Z', 'X'),
    ]);
    expect(out).toEqual([
      relation('r-1', '2026-11-30T09:00:00Z', 0.3),
      instrument('X', '2026-11-30T08:00:00Z', 'X'),
    ]);
  });

  it('ignores a version older than one before it, and replaces one of equal time', () => {
    expect(
      collapseReferenceChanges([
        relation('r-1', '2026-11-30T09:00:00Z', 0.3),
        relation('r-1', '2026-11-30T08:00:00Z', 0.2),
      ]),
    ).toEqual([relation('r-1', '2026-11-30T09:00:00Z', 0.3)]);
    expect(
      collapseReferenceChanges([
        instrument('X', '2026-11-30T09:00:00Z', 'old'),
        instrument('X', '2026-11-30T09:00:00Z', 'new'),
      ]),
    ).toEqual([instrument('X', '2026-11-30T09:00:00Z', 'new')]);
  });

  it('lets a tombstone remove what came before it, and a later version come back', () => {
    expect(
      collapseReferenceChanges([
        instrument('X', '2026-11-30T09:00:00Z', 'x'),
        del('instrument', 'X'),
      ]),
    ).toEqual([del('instrument', 'X')]);
    expect(
      collapseReferenceChanges([
        del('relation', 'r-1'),
        relation('r-1', '2026-11-30T07:00:00Z', 0.1),
      ]),
    ).toEqual([relation('r-1', '2026-11-30T07:00:00Z', 0.1)]);
  });

  it('keeps a symbol and a relation id that are spelt the same apart', () => {
    expect(
      collapseReferenceChanges([
        instrument('R1', '2026-11-30T09:00:00Z', 'x'),
        del('relation', 'R1'),
      ]),
    ).toHaveLength(2);
  });
});
