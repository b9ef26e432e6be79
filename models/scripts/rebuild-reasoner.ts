/**
 * Rebuilds the shipped reasoner's model.onnx files (fp32 and int8) with the current graph
 * builder from the fp32 weights they ship, without training again (npm run model:rebuild).
 * For changes to how the graph computes, not what: the weights, the tokenizer and config.json
 * stay as they are. It checks, on held-out sequences, that the rebuilt fp32 model gives the
 * logits of the one it replaces, and prints the rebuilt int8 model's distance to it.
 *
 *   npm run model:rebuild -- [--dir models/risk-reasoner] [--check 8]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadTokenizer } from '@risk/lm-runtime';
import { buildDecoderModel, fromHfConfigJson, type Quantization } from '@risk/reasoning-tools';
import { generateHeldOutSet, planSplits } from '@risk/reasoning/model/corpus';
import { onnxSequenceLogits } from '@risk/reasoning-tools/training/onnx-logits';
import { REASONER_SEEDS } from '@risk/reasoning-tools/training/reasoner-config';
import { readDecoderWeights } from '@risk/reasoning-tools/training/read-weights';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const dir = arg('dir', 'models/risk-reasoner');
  const nCheck = Number(arg('check', '8'));
  const config = async (v: string) =>
    JSON.parse(await readFile(join(dir, v, 'config.json'), 'utf8')) as Record<string, unknown>;
  const cfg = fromHfConfigJson(await config('fp32'));
  const int8Quant = ((await config('int8')).risk_quantization ?? 'int8') as Quantization;
  const oldFp32 = await readFile(join(dir, 'fp32', 'model.onnx'));
  const oldInt8 = await readFile(join(dir, 'int8', 'model.onnx'));
  const weights = readDecoderWeights(oldFp32, cfg);
  const fp32 = buildDecoderModel(cfg, weights);
  const int8 = buildDecoderModel(cfg, weights, { quantization: int8Quant });

  const tokenizer = await loadTokenizer(join(dir, 'fp32'));
  const sequences = generateHeldOutSet(
    planSplits(REASONER_SEEDS.plan),
    nCheck,
    REASONER_SEEDS.heldOut,
  ).map((e) => tokenizer.encode(e.prompt + e.completion));
  const sessions = await Promise.all(
    [oldFp32, fp32, int8, oldInt8].map((b) => ort.InferenceSession.create(b)),
  );
  let fp32Diff = 0;
  let int8Diff = 0;
  let oldInt8Diff = 0;
  for (const ids of sequences) {
    const [before, after, quant, oldQuant] = await Promise.all(
      sessions.map((s) => onnxSequenceLogits(s, cfg, ids)),
    );
    for (let i = 0; i < before.length; i++) {
      fp32Diff = Math.max(fp32Diff, Math.abs(after[i] - before[i]));
      int8Diff = Math.max(int8Diff, Math.abs(quant[i] - after[i]));
      oldInt8Diff = Math.max(oldInt8Diff, Math.abs(oldQuant[i] - after[i]));
    }
  }
  await Promise.all(sessions.map((s) => s.release()));
  console.log(
    `${sequences.length} held-out sequences: rebuilt fp32 vs shipped fp32 max |Δlogit| ${fp32Diff.toExponential(2)}; ${int8Quant} vs fp32 ${int8Diff.toFixed(4)} (the int8 it replaces: ${oldInt8Diff.toFixed(4)} on this CPU)`,
  );
  if (fp32Diff > 1e-4)
    throw new Error('the rebuilt fp32 graph computes something else: not written');
  await writeFile(join(dir, 'fp32', 'model.onnx'), fp32);
  await writeFile(join(dir, 'int8', 'model.onnx'), int8);
  console.log(
    `wrote ${join(dir, 'fp32', 'model.onnx')} (${fp32.length} B), ${join(dir, 'int8', 'model.onnx')} (${int8.length} B)`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
