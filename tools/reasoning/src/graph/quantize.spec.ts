/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import * as ort from 'onnxruntime-node';
import { DECODER_PRESETS } from './decoder-config';
import { buildDecoderModel } from './decoder-graph';
import { maxAbsDiff, runDecoder } from './decoder-test-harness';
import { quantizeColumnsInt8, quantizeRowsInt8 } from './quantize';
import { mulberry32, randomDecoderWeights } from './random-weights';

describe('int8 weight quantization', () => {
  const w = Float32Array.from([0.5, -2, 0.01, -0.25, 1, 0.02, 0, 0, 0]); // 3 x 3

  it('rounds each column to within half a step of its own scale', () => {
    const q = quantizeColumnsInt8(w, 3, 3);
    expect(Array.from(q.scales)).toEqual(
      [0.5 / 127, 2 / 127, Math.fround(0.02 / 127)].map(Math.fround),
    );
    w.forEach((v, i) =>
      expect(Math.abs(q.values[i] * q.scales[i % 3] - v)).toBeLessThanOrEqual(
        q.scales[i % 3] / 2 + 1e-9,
      ),
    );
  });

  it('gives an all-zero row a unit scale instead of dividing by zero', () => {
    const q = quantizeRowsInt8(w, 3, 3);
    expect(q.scales[2]).toBe(1);
    expect(Array.from(q.values.subarray(6))).toEqual([0, 0, 0]);
    expect(q.values[1]).toBe(-127);
  });
});

describe('int8 decoder (dynamic quantization)', () => {
  it.each(['int8', 'int8-per-token'] as const)(
    '%s runs and stays within 0.05 of the fp32 logits (measured ~0.01 on the tiny preset)',
    async (quantization) => {
      const cfg = { ...DECODER_PRESETS.tiny };
      const weights = randomDecoderWeights(cfg, 42);
      const fp32 = buildDecoderModel(cfg, weights);
      const int8 = buildDecoderModel(cfg, weights, { quantization });
      expect(int8.length).toBeLessThan(fp32.length / 3);
      const rnd = mulberry32(9);
      const ids = [0, 1].map(() =>
        Array.from({ length: 24 }, () => 5 + Math.floor(rnd() * (cfg.vocabSize - 5))),
      );
      const mask = ids.map((row) => row.map(() => 1));
      const pos = ids.map((row) => row.map((_, i) => i));
      const logits: Float32Array[] = [];
      for (const bytes of [fp32, int8]) {
        const session = await ort.InferenceSession.create(bytes);
        logits.push((await runDecoder(session, cfg, ids, mask, pos)).logits);
        await session.release();
      }
      const diff = maxAbsDiff(logits[0], logits[1]);
      expect(diff).toBeGreaterThan(0);
      expect(diff).toBeLessThanOrEqual(0.05);
    },
  );
  it('int8-per-token is batch- and chunk-invariant, unlike per-tensor int8', async () => {
    const cfg = { ...DECODER_PRESETS.tiny };
    const weights = randomDecoderWeights(cfg, 42);
    const rnd = mulberry32(3);
    const row = (): number[] =>
      Array.from({ length: 16 }, () => 5 + Math.floor(rnd() * (cfg.vocabSize - 5)));
    const [a, b] = [row(), row()];
    const ones = a.map(() => 1);
    const pos = a.map((_, i) => i);
    const dependency = async (quantization: 'int8' | 'int8-per-token'): Promise<number[]> => {
      const session = await ort.InferenceSession.create(
        buildDecoderModel(cfg, weights, { quantization }),
      );
      const alone = await runDecoder(session, cfg, [a], [ones], [pos]);
      const pair = await runDecoder(session, cfg, [a, b], [ones, ones], [pos, pos]);
      const prefix = await runDecoder(
        session,
        cfg,
        [a.slice(0, 10)],
        [ones.slice(0, 10)],
        [pos.slice(0, 10)],
      );
      const rest = await runDecoder(
        session,
        cfg,
        [a.slice(10)],
        [ones],
        [pos.slice(10)],
        prefix.present,
      );
      await session.release();
      const V = cfg.vocabSize;
      return [
        maxAbsDiff(alone.logits, pair.logits.subarray(0, 16 * V)),
        maxAbsDiff(rest.logits, alone.logits.subarray(10 * V)),
      ];
    };
    for (const d of await dependency('int8-per-token')) expect(d).toBeLessThanOrEqual(1e-5);
    for (const d of await dependency('int8')) expect(d).toBeGreaterThan(1e-4);
  });
});
