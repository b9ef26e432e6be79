import * as ort from 'onnxruntime-node';
import { DecoderConfig, headDimOf } from '../graph/decoder-config';
import { decoderIo } from '../graph/decoder-graph';

/**
 * Logits [S, V] of one sequence at positions 0..S-1 with an empty cache: a full recompute through
 * the exported model's standard decoder-with-past interface (evaluation and export checks).
 */
export async function onnxSequenceLogits(
  session: ort.InferenceSession,
  cfg: DecoderConfig,
  ids: readonly number[],
): Promise<Float32Array> {
  const seq = ids.length;
  const int64 = (values: number[]): ort.Tensor =>
    new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), [1, seq]);
  const feeds: Record<string, ort.Tensor> = {
    [decoderIo.inputIds]: int64([...ids]),
    [decoderIo.attentionMask]: int64(ids.map(() => 1)),
    [decoderIo.positionIds]: int64(ids.map((_, i) => i)),
  };
  const empty = [1, cfg.numKvHeads, 0, headDimOf(cfg)];
  for (let i = 0; i < cfg.numLayers; i++) {
    feeds[decoderIo.pastKey(i)] = new ort.Tensor('float32', new Float32Array(0), empty);
    feeds[decoderIo.pastValue(i)] = new ort.Tensor('float32', new Float32Array(0), empty);
  }
  const out = await session.run(feeds, [decoderIo.logits]);
  return out[decoderIo.logits].data as Float32Array;
}
