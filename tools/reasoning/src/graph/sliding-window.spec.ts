/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import * as ort from 'onnxruntime-node';
import { slidingWindowKeepColumns } from './attention-mask';
import { DECODER_PRESETS, DecoderConfig } from './decoder-config';
import { buildDecoderModel } from './decoder-graph';
import {
  DecoderRun,
  logitRows,
  maxAbsDiff,
  runDecoder,
  selectCacheColumns,
} from './decoder-test-harness';
import { mulberry32, randomDecoderWeights } from './random-weights';
import { referenceForward } from './reference-forward';

const sw = { window: 4, globalTokens: 2 };
const cfg: DecoderConfig = { ...DECODER_PRESETS.tiny, slidingWindow: sw };
const weights = randomDecoderWeights(cfg, 21, 0.1);
const V = cfg.vocabSize;

/** Two left-padded rows of 20 columns with 20 and 15 real tokens; HF position ids. */
function batch(): { ids: number[][]; mask: number[][]; pos: number[][] } {
  const rnd = mulberry32(5);
  const width = 20;
  const lengths = [20, 15];
  const mask = lengths.map((n) =>
    Array.from({ length: width }, (_, j) => (j >= width - n ? 1 : 0)),
  );
  const ids = mask.map((row) => row.map((m) => (m ? 5 + Math.floor(rnd() * (V - 5)) : 4)));
  const pos = mask.map((row) => {
    let seen = 0;
    return row.map((m) => (m ? seen++ : 1));
  });
  return { ids, mask, pos };
}

const cols = (rows: number[][], from: number, to?: number): number[][] =>
  rows.map((r) => r.slice(from, to));

describe('sliding-window decoder (window 4, 2 global tokens)', () => {
  let session: ort.InferenceSession;
  const full = batch();
  let whole: DecoderRun;

  beforeAll(async () => {
    session = await ort.InferenceSession.create(buildDecoderModel(cfg, weights));
    whole = await runDecoder(session, cfg, full.ids, full.mask, full.pos);
  });

  afterAll(async () => {
    await session.release();
  });

  it('equals the reference forward with the same local-global mask', () => {
    const ref = referenceForward(cfg, weights, full.ids, full.mask, full.pos);
    for (let b = 0; b < 2; b++) {
      const firstReal = full.mask[b].indexOf(1);
      const n = 20 - firstReal;
      expect(
        maxAbsDiff(
          logitRows(whole.logits, 20, V, b, firstReal, n),
          logitRows(ref.logits, 20, V, b, firstReal, n),
        ),
      ).toBeLessThanOrEqual(1e-4);
    }
  });

  it('really restricts attention: logits differ from the same weights without a window', async () => {
    const dense = await ort.InferenceSession.create(
      buildDecoderModel({ ...cfg, slidingWindow: undefined }, weights),
    );
    const out = await runDecoder(dense, cfg, full.ids, full.mask, full.pos);
    // Positions < window + globalTokens see the same keys either way; later ones do not.
    expect(
      maxAbsDiff(logitRows(out.logits, 20, V, 0, 0, 5), logitRows(whole.logits, 20, V, 0, 0, 5)),
    ).toBeLessThanOrEqual(1e-5);
    expect(
      maxAbsDiff(logitRows(out.logits, 20, V, 0, 19, 1), logitRows(whole.logits, 20, V, 0, 19, 1)),
    ).toBeGreaterThan(1e-3);
    await dense.release();
  });

  it('with a bounded cache (global + last window-1 keys, left-padded) equals the full recompute', async () => {
    // Prefill 8 columns, then 4 more as one chunk, then decode one token at a time, evicting
    // before every step, and compare each new token's logits with the full run.
    const schedule: [number, number][] = [[8, 12]];
    for (let c = 12; c < 20; c++) schedule.push([c, c + 1]);
    let run = await runDecoder(
      session,
      cfg,
      cols(full.ids, 0, 8),
      cols(full.mask, 0, 8),
      cols(full.pos, 0, 8),
    );
    let runMask = cols(full.mask, 0, 8);
    for (const [from, to] of schedule) {
      const keep = runMask.map((row) => slidingWindowKeepColumns(row, sw));
      const width = Math.max(...keep.map((k) => k.length));
      expect(width).toBeLessThanOrEqual(sw.globalTokens + sw.window - 1);
      const padded = keep.map((k) => [...Array<number>(width - k.length).fill(-1), ...k]);
      const past = selectCacheColumns(cfg, run.present, run.totalLength, padded);
      const mask = padded.map((k, b) => [
        ...k.map((c) => (c < 0 ? 0 : 1)),
        ...full.mask[b].slice(from, to),
      ]);
      run = await runDecoder(
        session,
        cfg,
        cols(full.ids, from, to),
        mask,
        cols(full.pos, from, to),
        past,
      );
      runMask = mask;
      for (let b = 0; b < 2; b++) {
        const diff = maxAbsDiff(
          logitRows(run.logits, to - from, V, b, 0, to - from),
          logitRows(whole.logits, 20, V, b, from, to - from),
        );
        expect(diff).toBeLessThanOrEqual(1e-4);
      }
    }
  });
});
