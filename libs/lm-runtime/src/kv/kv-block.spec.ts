import {
  blockBytes,
  CopyMeter,
  KvBlock,
  selectSlots,
  sequentialPositions,
  truncateToPosition,
} from './kv-block';

/** A block whose every float encodes (layer, kind, head, slot, dim) so copies can be checked. */
function block(layers: number, H: number, P: number, D: number): KvBlock {
  const make = (l: number, kind: number): Float32Array => {
    const a = new Float32Array(H * P * D);
    for (let h = 0; h < H; h++)
      for (let p = 0; p < P; p++)
        for (let d = 0; d < D; d++)
          a[(h * P + p) * D + d] = l * 1e6 + kind * 1e5 + h * 1e4 + p * 10 + d;
    return a;
  };
  return {
    numLayers: layers,
    numKvHeads: H,
    headDim: D,
    length: P,
    positions: sequentialPositions(0, P),
    keys: Array.from({ length: layers }, (_, l) => make(l, 0)),
    values: Array.from({ length: layers }, (_, l) => make(l, 1)),
  };
}

describe('kv-block', () => {
  it('counts exact bytes: 2 x layers x heads x dim x tokens x 4', () => {
    expect(blockBytes(block(3, 2, 5, 4))).toBe(2 * 3 * 2 * 4 * 5 * 4);
  });

  it('truncates to a prefix per head, copying only the kept slots', () => {
    const meter = new CopyMeter();
    const b = block(2, 2, 6, 3);
    const t = truncateToPosition(b, 4, meter);
    expect(t.length).toBe(4);
    expect(Array.from(t.positions)).toEqual([0, 1, 2, 3]);
    // head 1, slot 3, dim 2 of layer 1 keys
    expect(t.keys[1][(1 * 4 + 3) * 3 + 2]).toBe(1e6 + 1e4 + 32);
    expect(meter.bytes).toBe(blockBytes(t));
  });

  it('returns the same block without copying when nothing is cut', () => {
    const meter = new CopyMeter();
    const b = block(1, 2, 4, 2);
    expect(truncateToPosition(b, 10, meter)).toBe(b);
    expect(meter.bytes).toBe(0);
  });

  it('selects first-G plus tail runs (sliding window) and keeps their positions', () => {
    const b = block(1, 2, 10, 2);
    const s = selectSlots(b, [
      { start: 0, end: 2 },
      { start: 7, end: 10 },
    ]);
    expect(Array.from(s.positions)).toEqual([0, 1, 7, 8, 9]);
    expect(s.values[0][(1 * 5 + 2) * 2 + 1]).toBe(1e5 + 1e4 + 71);
  });
});
