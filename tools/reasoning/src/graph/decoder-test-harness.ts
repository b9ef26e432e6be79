import * as ort from 'onnxruntime-node';
import { DecoderConfig, headDimOf } from './decoder-config';
import { decoderIo } from './decoder-graph';
import { LayerKv } from './reference-forward';

/** Test helpers: run a built decoder in onnxruntime-node with plain arrays. Not for production. */

export interface DecoderRun {
  logits: Float32Array;
  present: LayerKv[];
  /** This step's K/V alone (`present_new`), per layer [B, H_kv, S, D]. */
  fresh: LayerKv[];
  /** T of the present tensors. */
  totalLength: number;
}

const int64 = (rows: number[][]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [
    rows.length,
    rows[0]?.length ?? 0,
  ]);

export async function runDecoder(
  session: ort.InferenceSession,
  cfg: DecoderConfig,
  inputIds: number[][],
  attentionMask: number[][],
  positionIds: number[][],
  past?: LayerKv[],
): Promise<DecoderRun> {
  const batch = inputIds.length;
  const d = headDimOf(cfg);
  const pastLen = (attentionMask[0]?.length ?? 0) - (inputIds[0]?.length ?? 0);
  const feeds: Record<string, ort.Tensor> = {
    [decoderIo.inputIds]: int64(inputIds),
    [decoderIo.attentionMask]: int64(attentionMask),
    [decoderIo.positionIds]: int64(positionIds),
  };
  const dims = [batch, cfg.numKvHeads, pastLen, d];
  for (let i = 0; i < cfg.numLayers; i++) {
    feeds[decoderIo.pastKey(i)] = new ort.Tensor(
      'float32',
      past?.[i].key ?? new Float32Array(0),
      dims,
    );
    feeds[decoderIo.pastValue(i)] = new ort.Tensor(
      'float32',
      past?.[i].value ?? new Float32Array(0),
      dims,
    );
  }
  const out = await session.run(feeds);
  const present: LayerKv[] = [];
  const fresh: LayerKv[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    present.push({
      key: out[decoderIo.presentKey(i)].data as Float32Array,
      value: out[decoderIo.presentValue(i)].data as Float32Array,
    });
    fresh.push({
      key: out[decoderIo.newKey(i)].data as Float32Array,
      value: out[decoderIo.newValue(i)].data as Float32Array,
    });
  }
  return {
    logits: out[decoderIo.logits].data as Float32Array,
    present,
    fresh,
    totalLength: out[decoderIo.presentKey(0)].dims[2],
  };
}

/**
 * Gathers cache columns per batch row ([B,H_kv,T,D] → [B,H_kv,T',D]); -1 inserts a zero
 * (padding) column. Rows must all list the same number of columns.
 */
export function selectCacheColumns(
  cfg: DecoderConfig,
  kv: LayerKv[],
  totalLength: number,
  columns: number[][],
): LayerKv[] {
  const d = headDimOf(cfg);
  const width = columns[0]?.length ?? 0;
  const pick = (src: Float32Array): Float32Array => {
    const out = new Float32Array(columns.length * cfg.numKvHeads * width * d);
    columns.forEach((cols, b) => {
      for (let h = 0; h < cfg.numKvHeads; h++) {
        cols.forEach((c, j) => {
          if (c < 0) return;
          const from = ((b * cfg.numKvHeads + h) * totalLength + c) * d;
          out.set(src.subarray(from, from + d), ((b * cfg.numKvHeads + h) * width + j) * d);
        });
      }
    });
    return out;
  };
  return kv.map((l) => ({ key: pick(l.key), value: pick(l.value) }));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Logits rows [b, from..from+count) of a [B,S,V] buffer, flattened. */
export function logitRows(
  logits: Float32Array,
  seq: number,
  vocab: number,
  b: number,
  from: number,
  count: number,
): Float32Array {
  const start = (b * seq + from) * vocab;
  return logits.subarray(start, start + count * vocab);
}
