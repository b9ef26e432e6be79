import { CopyMeter, emptyBlock, KvBlock, sequentialPositions } from '../kv/kv-block';
import { packStep, rowsCompatible, StepOutputs, StepRow, unpackRow } from './step-packing';

const H = 2;
const D = 2;

function block(P: number, tag: number): KvBlock {
  const a = Float32Array.from({ length: H * P * D }, (_, i) => tag * 1000 + i);
  return {
    numLayers: 1,
    numKvHeads: H,
    headDim: D,
    length: P,
    positions: sequentialPositions(0, P),
    keys: [a],
    values: [a],
  };
}

describe('step packing', () => {
  const rows: StepRow[] = [
    { past: block(3, 1), tokens: [7], positions: [3] },
    { past: block(1, 2), tokens: [8, 9], positions: [1, 2] },
    { past: emptyBlock(1, H, D), tokens: [5], positions: [0] },
  ];

  it('left-pads past and new tokens and masks the padding', () => {
    const p = packStep(rows);
    expect(p).toMatchObject({ batch: 3, seqLen: 2, pastLen: 3 });
    expect(Array.from(p.inputIds, Number)).toEqual([0, 7, 8, 9, 0, 5]);
    expect(Array.from(p.positionIds, Number)).toEqual([0, 3, 1, 2, 0, 0]);
    expect(Array.from(p.attentionMask, Number)).toEqual([
      1,
      1,
      1,
      0,
      1, // row 0: 3 past, 1 pad, 1 new
      0,
      0,
      1,
      1,
      1, // row 1: 2 pad, 1 past, 2 new
      0,
      0,
      0,
      0,
      1, // row 2: no past, 1 pad, 1 new
    ]);
    // Row 1's single past slot of head 1 sits at the right of its padded past.
    const k = p.pastKeys[0];
    expect(k[((1 * H + 1) * 3 + 2) * D]).toBe(2000 + 2);
  });

  it('feeds a single row without copying and adopts its present', () => {
    const meter = new CopyMeter();
    const single = [rows[0]];
    const p = packStep(single, meter);
    expect(p.pastKeys[0]).toBe(rows[0].past.keys[0]);
    const present = new Float32Array(H * 4 * D);
    const out: StepOutputs = {
      logits: new Float32Array(5),
      presentKeys: [present],
      presentValues: [present],
    };
    const r = unpackRow(p, single, 0, out, meter);
    expect(r.block?.keys[0]).toBe(present);
    expect(Array.from(r.block?.positions ?? [])).toEqual([0, 1, 2, 3]);
    expect(meter.bytes).toBe(0);
  });

  it('splits each row back out of a padded batch output', () => {
    const p = packStep(rows);
    const T = p.pastLen + p.seqLen;
    const V = 3;
    // present = padded past followed by a recognizable value per new slot
    const present = new Float32Array(3 * H * T * D);
    for (let b = 0; b < 3; b++)
      for (let h = 0; h < H; h++)
        for (let t = 0; t < T; t++)
          for (let d = 0; d < D; d++)
            present[((b * H + h) * T + t) * D + d] = b * 100 + h * 10 + t + d / 10;
    const logits = Float32Array.from({ length: 3 * p.seqLen * V }, (_, i) => i);
    const r1 = unpackRow(p, rows, 1, { logits, presentKeys: [present], presentValues: [present] });
    expect(r1.block?.length).toBe(3);
    // slots kept for row 1: past at t=2, new at t=3,4; head 1, dim 1
    const kept = [2, 3, 4].map((t, i) => r1.block?.keys[0][(1 * 3 + i) * D + 1]);
    expect(kept).toEqual([2, 3, 4].map((t) => Math.fround(100 + 10 + t + 0.1)));
    expect(Array.from(r1.logits)).toEqual([6, 7, 8, 9, 10, 11]);
    const r2 = unpackRow(p, rows, 2, { logits, presentKeys: [present], presentValues: [present] });
    expect(Array.from(r2.logits)).toEqual([15, 16, 17]);
  });

  it('continues a batch in place: the next step feeds the batched present without copying', () => {
    const meter = new CopyMeter();
    const first = packStep(rows, meter);
    const T = first.pastLen + first.seqLen;
    const present = new Float32Array(3 * H * T * D).map((_, i) => i);
    const out: StepOutputs = {
      logits: new Float32Array(3 * first.seqLen * 4),
      presentKeys: [present],
      presentValues: [present],
    };
    const next: StepRow[] = rows.map((r, i) => {
      const block = unpackRow(first, rows, i, out, meter).block as KvBlock;
      const pos = block.positions[block.length - 1] + 1;
      return { past: block, tokens: [1], positions: [pos] };
    });
    const copiedAfterFirst = meter.bytes;
    // Submitted in another order: still recognised as the same batch, rows mapped back.
    const reordered = [next[2], next[0], next[1]];
    const second = packStep(reordered, meter);
    expect(second.pastKeys[0]).toBe(present);
    expect(second.rowOf).toEqual([2, 0, 1]);
    expect(meter.bytes).toBe(copiedAfterFirst);
    expect(Array.from(second.attentionMask.subarray(0, T + 1), Number)).toEqual([
      ...Array.from(first.attentionMask.subarray(0, T), Number),
      1,
    ]);
    expect(Array.from(second.positionIds, Number)).toEqual([4, 3, 1]);
  });

  it('keeps decode rows out of a long prefill batch', () => {
    const decode = (P: number): StepRow => ({ past: block(P, 0), tokens: [1], positions: [P] });
    const prefill: StepRow = {
      past: block(10, 0),
      tokens: Array(200).fill(1),
      positions: Array.from({ length: 200 }, (_, i) => 10 + i),
    };
    expect(rowsCompatible([decode(10)], decode(12))).toBe(true);
    expect(rowsCompatible([decode(10)], prefill)).toBe(false);
    expect(rowsCompatible([decode(10)], decode(3000))).toBe(false);
  });

  it('keeps finished rows as idle rows so the rest of the batch still continues in place', () => {
    const first = packStep(rows);
    const T = first.pastLen + first.seqLen;
    const present = new Float32Array(3 * H * T * D);
    const out: StepOutputs = {
      logits: new Float32Array(3 * first.seqLen * 4),
      presentKeys: [present],
      presentValues: [present],
    };
    const live = [0, 2].map((i) => {
      const block = unpackRow(first, rows, i, out).block as KvBlock;
      return { past: block, tokens: [1], positions: [block.positions[block.length - 1] + 1] };
    });
    const second = packStep(live);
    expect(second.batch).toBe(3);
    expect(second.pastKeys[0]).toBe(present);
    expect(second.rowOf).toEqual([0, 2]);
    // The idle row 1 attends to its own past and one padding token.
    const idle = Array.from(second.attentionMask.subarray(T + 1, 2 * (T + 1)), Number);
    expect(idle).toEqual([...Array.from(first.attentionMask.subarray(T, 2 * T), Number), 1]);
  });

  describe('a batch growing its own K/V buffer (headroom)', () => {
    /** What the session returns for a grow step: this step's K/V, value = 1e6 + b·100 + s. */
    const grownOutputs = (B: number, S: number): StepOutputs => {
      const fresh = Float32Array.from({ length: B * H * S * D }, (_, i) => {
        const b = Math.floor(i / (H * S * D));
        const s = Math.floor(i / D) % S;
        return 1e6 + b * 100 + s;
      });
      return {
        logits: new Float32Array(B * S * 4),
        presentKeys: [],
        presentValues: [],
        newKeys: [fresh],
        newValues: [fresh],
      };
    };

    it('feeds the buffer with its free slots masked, then writes the new K/V in place', () => {
      const meter = new CopyMeter();
      const p = packStep(rows, meter, { headroom: 4 });
      // Real past 3, new 2, headroom 4: the buffer has 9 slots, all fed, 3..8 free.
      expect(p).toMatchObject({ batch: 3, seqLen: 2, pastLen: 9 });
      expect(p.grow).toMatchObject({ filled: 3 });
      expect(Array.from(p.attentionMask.subarray(0, 11), Number)).toEqual([
        1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1,
      ]);
      const copiedPast = meter.bytes;
      const out = grownOutputs(3, 2);
      const r1 = unpackRow(p, rows, 1, out, meter);
      // Two new slots per row written into slots 3..4 of every row; nothing else copied.
      expect(meter.bytes - copiedPast).toBe(2 * 3 * H * 2 * D * 4);
      const state = r1.block!.view!.state;
      expect(state).toMatchObject({ batch: 3, total: 5, stride: 9 });
      expect(state.keys[0]).toBe(p.pastKeys[0]);
      expect(Array.from(state.mask, Number)).toEqual([
        1, 1, 1, 0, 1, /* row 0 */ 0, 0, 1, 1, 1, /* row 1 */ 0, 0, 0, 0, 1 /* row 2 */,
      ]);
      // Row 1 read on its own: its past slot, then its two new tokens.
      expect(r1.block!.length).toBe(3);
      expect(Array.from(r1.block!.keys[0].subarray(0, 3 * D))).toEqual([
        2000,
        2001,
        1e6 + 100,
        1e6 + 100,
        1e6 + 101,
        1e6 + 101,
      ]);

      // The next step continues in place: the same buffer, one more slot.
      const next = rows.map((row, i) => ({
        past: unpackRow(p, rows, i, out, meter).block!,
        tokens: [1],
        positions: [row.positions.at(-1)! + 1],
      }));
      const p2 = packStep(next, meter, { headroom: 4 });
      expect(p2.pastKeys[0]).toBe(p.pastKeys[0]);
      expect(p2).toMatchObject({ pastLen: 9, seqLen: 1, grow: { filled: 5 } });
      const s2 = unpackRow(p2, next, 0, grownOutputs(3, 1), meter).block!.view!.state;
      expect(s2).toMatchObject({ total: 6, stride: 9 });
      expect(state.buffer!.filled).toBe(6);

      // The first step's rows are now stale views of the buffer: continuing from them again
      // would overwrite slot 5, so they are copied into a new buffer instead.
      const stale = packStep(next, meter, { headroom: 4 });
      expect(stale.pastKeys[0]).not.toBe(p.pastKeys[0]);
      // (Padded to the longest row's real slots: row 0's 3 past + 1 new.)
      expect(stale.grow).toMatchObject({ filled: 4 });
    });

    it('copies into a new buffer when the rows outgrow the room', () => {
      const p = packStep(rows, undefined, { headroom: 0 });
      expect(p.grow).toBeUndefined(); // no headroom: present is fed back, as before
      const g = packStep(rows, undefined, { headroom: 1 });
      const out = grownOutputs(3, 2);
      const next = rows.map((row, i) => ({
        past: unpackRow(g, rows, i, out).block!,
        tokens: [1, 2],
        positions: [10, 11],
      }));
      // 5 of 6 slots filled, 2 more needed: a new buffer, padded to the longest row (4 slots).
      const p2 = packStep(next, undefined, { headroom: 1 });
      expect(p2.pastKeys[0]).not.toBe(g.pastKeys[0]);
      expect(p2).toMatchObject({ pastLen: 4 + 2 + 1, grow: { filled: 4 } });
    });
  });
});
