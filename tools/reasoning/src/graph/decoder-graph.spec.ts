/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import * as ort from 'onnxruntime-node';
import { DECODER_PRESETS, DecoderConfig, headDimOf } from './decoder-config';
import { buildDecoderModel, decoderIo } from './decoder-graph';
import { logitRows, maxAbsDiff, runDecoder, selectCacheColumns } from './decoder-test-harness';
import { mulberry32, randomDecoderWeights } from './random-weights';
import { referenceForward } from './reference-forward';

const cfg: DecoderConfig = { ...DECODER_PRESETS.tiny };
// Larger than the 0.02 default so attention is far from uniform and mask mistakes show.
const weights = randomDecoderWeights(cfg, 11, 0.1);

function randomIds(seed: number, rows: number, cols: number): number[][] {
  const rnd = mulberry32(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => 5 + Math.floor(rnd() * (cfg.vocabSize - 5))),
  );
}

/** Left-padded batch: row b has `lengths[b]` real tokens at the end; HF position ids. */
function leftPadded(
  ids: number[][],
  lengths: number[],
): { ids: number[][]; mask: number[][]; pos: number[][] } {
  const width = ids[0].length;
  const mask = lengths.map((n) =>
    Array.from({ length: width }, (_, j) => (j >= width - n ? 1 : 0)),
  );
  const pos = mask.map((row) => {
    let seen = 0;
    return row.map((m) => (m ? seen++ : 1));
  });
  return { ids: ids.map((row, b) => row.map((id, j) => (mask[b][j] ? id : 4))), mask, pos };
}

describe('decoder graph (tiny preset)', () => {
  let session: ort.InferenceSession;

  beforeAll(async () => {
    session = await ort.InferenceSession.create(buildDecoderModel(cfg, weights));
  });

  afterAll(async () => {
    await session.release();
  });

  it('exposes exactly the decoder-with-past inputs and outputs', () => {
    const d = headDimOf(cfg);
    const expectedInputs: [string, string, (string | number)[]][] = [
      ['input_ids', 'int64', ['batch_size', 'sequence_length']],
      ['attention_mask', 'int64', ['batch_size', 'total_sequence_length']],
      ['position_ids', 'int64', ['batch_size', 'sequence_length']],
    ];
    const expectedOutputs: [string, string, (string | number)[]][] = [
      ['logits', 'float32', ['batch_size', 'sequence_length', cfg.vocabSize]],
    ];
    for (let i = 0; i < cfg.numLayers; i++) {
      for (const kind of ['key', 'value']) {
        expectedInputs.push([
          `past_key_values.${i}.${kind}`,
          'float32',
          ['batch_size', cfg.numKvHeads, 'past_sequence_length', d],
        ]);
        expectedOutputs.push([
          `present.${i}.${kind}`,
          'float32',
          ['batch_size', cfg.numKvHeads, 'total_sequence_length', d],
        ]);
      }
      for (const kind of ['key', 'value'])
        expectedOutputs.push([
          `present_new.${i}.${kind}`,
          'float32',
          ['batch_size', cfg.numKvHeads, 'sequence_length', d],
        ]);
    }
    const describeValues = (meta: readonly ort.InferenceSession.ValueMetadata[]): unknown[] =>
      meta.map((m) => (m.isTensor ? [m.name, m.type, [...m.shape]] : [m.name]));
    expect(session.inputNames).toEqual(expectedInputs.map(([n]) => n));
    expect(session.outputNames).toEqual(expectedOutputs.map(([n]) => n));
    expect(describeValues(session.inputMetadata)).toEqual(expectedInputs);
    expect(describeValues(session.outputMetadata)).toEqual(expectedOutputs);
  });

  it('matches the reference forward on a left-padded batch (P = 0)', async () => {
    const batch = leftPadded(randomIds(1, 3, 9), [9, 4, 6]);
    const ort = await runDecoder(session, cfg, batch.ids, batch.mask, batch.pos);
    const ref = referenceForward(cfg, weights, batch.ids, batch.mask, batch.pos);
    // Compare real positions only: padded query rows attend to nothing and are garbage by design.
    batch.mask.forEach((row, b) =>
      row.forEach((m, s) => {
        if (m)
          expect(
            maxAbsDiff(
              logitRows(ort.logits, 9, cfg.vocabSize, b, s, 1),
              logitRows(ref.logits, 9, cfg.vocabSize, b, s, 1),
            ),
          ).toBeLessThanOrEqual(1e-4);
      }),
    );
    expect(maxAbsDiff(ort.present[1].key, ref.present[1].key)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(ort.present[1].value, ref.present[1].value)).toBeLessThanOrEqual(1e-4);
  });

  it('prefix then append through present → past equals one full run, and the reference with past', async () => {
    const full = leftPadded(randomIds(2, 2, 12), [12, 7]);
    const prefixLen = 8;
    const cut = (rows: number[][], from: number, to?: number): number[][] =>
      rows.map((r) => r.slice(from, to));
    const whole = await runDecoder(session, cfg, full.ids, full.mask, full.pos);
    const first = await runDecoder(
      session,
      cfg,
      cut(full.ids, 0, prefixLen),
      cut(full.mask, 0, prefixLen),
      cut(full.pos, 0, prefixLen),
    );
    expect(first.totalLength).toBe(prefixLen);
    const tail = { ids: cut(full.ids, prefixLen), pos: cut(full.pos, prefixLen) };
    const second = await runDecoder(session, cfg, tail.ids, full.mask, tail.pos, first.present);
    expect(second.totalLength).toBe(12);
    const appended = 12 - prefixLen;
    for (let b = 0; b < 2; b++) {
      const diff = maxAbsDiff(
        logitRows(second.logits, appended, cfg.vocabSize, b, 0, appended),
        logitRows(whole.logits, 12, cfg.vocabSize, b, prefixLen, appended),
      );
      expect(diff).toBeLessThanOrEqual(1e-4);
    }
    const ref = referenceForward(cfg, weights, tail.ids, full.mask, tail.pos, first.present);
    expect(maxAbsDiff(second.logits, ref.logits)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(second.present[0].key, whole.present[0].key)).toBeLessThanOrEqual(1e-5);
    // present_new is exactly the last S slots of present: this step's K/V alone.
    const d = headDimOf(cfg);
    for (let l = 0; l < cfg.numLayers; l++)
      for (const kind of ['key', 'value'] as const)
        for (let bh = 0; bh < 2 * cfg.numKvHeads; bh++) {
          const tailOfPresent = second.present[l][kind].subarray(
            (bh * 12 + prefixLen) * d,
            (bh + 1) * 12 * d,
          );
          const fresh = second.fresh[l][kind].subarray(bh * appended * d, (bh + 1) * appended * d);
          expect(Array.from(fresh)).toEqual(Array.from(tailOfPresent));
        }
  });

  it('batches rows with different past and new lengths (padding inside the mask)', async () => {
    // Row A: 5 cached + 2 new tokens; row B: 3 cached + 4 new. Caches are left-padded to P = 5,
    // new tokens left-padded to S = 4, so row A has padding between its past and new tokens.
    const [a, bRow] = randomIds(6, 2, 7);
    const alone = async (
      ids: number[],
      cached: number,
    ): Promise<
      [Awaited<ReturnType<typeof runDecoder>>, Awaited<ReturnType<typeof runDecoder>>]
    > => {
      const ones = (n: number): number[] => Array<number>(n).fill(1);
      const range = (from: number, to: number): number[] =>
        Array.from({ length: to - from }, (_, i) => from + i);
      const prefix = await runDecoder(
        session,
        cfg,
        [ids.slice(0, cached)],
        [ones(cached)],
        [range(0, cached)],
      );
      const whole = await runDecoder(
        session,
        cfg,
        [ids],
        [ones(ids.length)],
        [range(0, ids.length)],
      );
      return [prefix, whole];
    };
    const [aPrefix, aWhole] = await alone(a, 5);
    const [bPrefix, bWhole] = await alone(bRow, 3);
    const past = selectCacheColumns(cfg, aPrefix.present, 5, [[0, 1, 2, 3, 4]]).map((la, i) => {
      const lb = selectCacheColumns(cfg, bPrefix.present, 3, [[-1, -1, 0, 1, 2]])[i];
      const join = (x: Float32Array, y: Float32Array): Float32Array => {
        const out = new Float32Array(x.length + y.length);
        out.set(x);
        out.set(y, x.length);
        return out;
      };
      return { key: join(la.key, lb.key), value: join(la.value, lb.value) };
    });
    const out = await runDecoder(
      session,
      cfg,
      [[4, 4, a[5], a[6]], bRow.slice(3)],
      [
        [1, 1, 1, 1, 1, 0, 0, 1, 1],
        [0, 0, 1, 1, 1, 1, 1, 1, 1],
      ],
      [
        [1, 1, 5, 6],
        [3, 4, 5, 6],
      ],
      past,
    );
    expect(
      maxAbsDiff(
        logitRows(out.logits, 4, cfg.vocabSize, 0, 2, 2),
        logitRows(aWhole.logits, 7, cfg.vocabSize, 0, 5, 2),
      ),
    ).toBeLessThanOrEqual(1e-4);
    expect(
      maxAbsDiff(
        logitRows(out.logits, 4, cfg.vocabSize, 1, 0, 4),
        logitRows(bWhole.logits, 7, cfg.vocabSize, 0, 3, 4),
      ),
    ).toBeLessThanOrEqual(1e-4);
    expect(out.logits.every(Number.isFinite)).toBe(true);
  });

  it('decodes token by token (S = 1) like a full run', async () => {
    const ids = randomIds(3, 1, 6);
    const pos = [[0, 1, 2, 3, 4, 5]];
    const whole = await runDecoder(session, cfg, ids, [[1, 1, 1, 1, 1, 1]], pos);
    let past = undefined as Awaited<ReturnType<typeof runDecoder>>['present'] | undefined;
    for (let t = 0; t < 6; t++) {
      const step = await runDecoder(
        session,
        cfg,
        [[ids[0][t]]],
        [Array<number>(t + 1).fill(1)],
        [[t]],
        past,
      );
      expect(
        maxAbsDiff(step.logits, logitRows(whole.logits, 6, cfg.vocabSize, 0, t, 1)),
      ).toBeLessThanOrEqual(1e-4);
      past = step.present;
    }
  });

  it('builds a Llama-style variant (no q/k/v bias, untied lm_head, MHA) that matches the reference', async () => {
    const llama: DecoderConfig = {
      ...cfg,
      attentionBias: false,
      tieEmbeddings: false,
      numKvHeads: 4,
      headDim: 8,
      ropeTheta: 500000,
    };
    const w = randomDecoderWeights(llama, 5, 0.1);
    const s = await ort.InferenceSession.create(buildDecoderModel(llama, w));
    const batch = leftPadded(randomIds(4, 2, 5), [5, 5]);
    const out = await runDecoder(s, llama, batch.ids, batch.mask, batch.pos);
    expect(
      maxAbsDiff(out.logits, referenceForward(llama, w, batch.ids, batch.mask, batch.pos).logits),
    ).toBeLessThanOrEqual(1e-4);
    expect(s.inputNames).toContain(decoderIo.pastValue(1));
    await s.release();
  });
});
