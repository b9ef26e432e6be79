import * as ort from 'onnxruntime-node';
import { DecoderConfig, headDimOf } from '../graph/decoder-config';
import { decoderIo } from '../graph/decoder-graph';
import { Exposure, IMPACT_OPTIONS, judgementContext } from '@risk/reasoning/model/corpus';
import { TokenEncoder } from './encoding';
import {
  GroundedReasoning,
  STEP_STOPS,
  reasonGrounded,
} from '@risk/reasoning/model/grounded-reasoning';
import { onnxSequenceLogits } from './onnx-logits';

/** log-softmax of one row, at one token. */
function logProbAt(logits: Float32Array, row: number, vocab: number, token: number): number {
  const base = row * vocab;
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) max = Math.max(max, logits[base + i]);
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(logits[base + i] - max);
  return logits[base + token] - max - Math.log(sum);
}

/**
 * Constrained scoring of the four impact options after a prompt: Σ log p(option tokens), then a
 * softmax over the options. Full recompute per option (evaluation only; the engine reuses a cache).
 */
export async function scoreImpactOptions(
  session: ort.InferenceSession,
  cfg: DecoderConfig,
  tok: TokenEncoder,
  prompt: string,
): Promise<number[]> {
  const promptIds = tok.encode(prompt);
  const scores: number[] = [];
  for (const option of IMPACT_OPTIONS) {
    const optionIds = tok.encode(option.text);
    const logits = await onnxSequenceLogits(session, cfg, [...promptIds, ...optionIds]);
    let total = 0;
    optionIds.forEach((id, j) => {
      total += logProbAt(logits, promptIds.length - 1 + j, cfg.vocabSize, id);
    });
    scores.push(total);
  }
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Greedy decoding with the K/V cache of the decoder-with-past interface (no eviction: every
 * entry is kept, which the sliding-window contract allows).
 */
export async function greedyGenerate(
  session: ort.InferenceSession,
  cfg: DecoderConfig,
  promptIds: readonly number[],
  maxNewTokens: number,
  eosId: number,
  stop?: (generated: readonly number[]) => boolean,
): Promise<number[]> {
  const d = headDimOf(cfg);
  const int64 = (values: number[]): ort.Tensor =>
    new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), [1, values.length]);
  let past: { key: ort.Tensor; value: ort.Tensor }[] = Array.from(
    { length: cfg.numLayers },
    () => ({
      key: new ort.Tensor('float32', new Float32Array(0), [1, cfg.numKvHeads, 0, d]),
      value: new ort.Tensor('float32', new Float32Array(0), [1, cfg.numKvHeads, 0, d]),
    }),
  );
  let input = [...promptIds];
  let pastLen = 0;
  const out: number[] = [];
  for (let step = 0; step < maxNewTokens; step++) {
    const feeds: Record<string, ort.Tensor> = {
      [decoderIo.inputIds]: int64(input),
      [decoderIo.attentionMask]: int64(Array<number>(pastLen + input.length).fill(1)),
      [decoderIo.positionIds]: int64(input.map((_, i) => pastLen + i)),
    };
    past.forEach((kv, i) => {
      feeds[decoderIo.pastKey(i)] = kv.key;
      feeds[decoderIo.pastValue(i)] = kv.value;
    });
    const res = await session.run(feeds);
    const logits = res[decoderIo.logits].data as Float32Array;
    const row = (input.length - 1) * cfg.vocabSize;
    let best = 0;
    for (let v = 1; v < cfg.vocabSize; v++) {
      if (logits[row + v] > logits[row + best]) best = v;
    }
    past = past.map((_, i) => ({
      key: res[decoderIo.presentKey(i)],
      value: res[decoderIo.presentValue(i)],
    }));
    pastLen += input.length;
    if (best === eosId) break;
    out.push(best);
    if (stop?.(out)) break;
    input = [best];
  }
  return out;
}

export interface ReasonedJudgement {
  grounding: GroundedReasoning;
  /** Impact option probabilities, scored after the grounded chain of thought. */
  probabilities: number[];
}

/**
 * The reasoner's flow on a bare ONNX session: the chain of thought generated greedily step by
 * step, each step grounded against the exposure before the next, then constrained scoring of the
 * impact after `Impact:`.
 */
export async function reasonAndJudge(
  session: ort.InferenceSession,
  cfg: DecoderConfig,
  tok: TokenEncoder & { decode(ids: readonly number[]): string },
  prompt: string,
  exposure: Exposure,
  eosId: number,
): Promise<ReasonedJudgement> {
  const grounding = await reasonGrounded(prompt, exposure, async (context) => {
    const ids = await greedyGenerate(session, cfg, tok.encode(context), 60, eosId, (out) => {
      const text = tok.decode(out);
      return STEP_STOPS.some((stop) => text.includes(stop));
    });
    return ids.length > 0 ? tok.decode(ids) : '';
  });
  const probabilities = await scoreImpactOptions(
    session,
    cfg,
    tok,
    judgementContext(prompt, grounding.text),
  );
  return { grounding, probabilities };
}
