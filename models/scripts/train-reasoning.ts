/**
 * Trains the default risk reasoner (npm run model:train) and ships it to models/risk-reasoner/:
 * fp32/ and int8/ model folders (model.onnx, config.json, tokenizer.json) and train-report.json.
 *
 *   npm run model:train -- [--steps 1500] [--batch 16] [--lr 0.003] [--train-size 12000]
 *                          [--sim-size 4000 (examples in the market simulator's wordings)]
 *                          [--max-minutes 45 (0 = no time cap)] [--out models/risk-reasoner] [--backend wasm|cpu]
 *
 * Everything is seeded (REASONER_SEEDS). The run stops at --steps or --max-minutes, whichever
 * comes first; with --max-minutes 0 it depends on the seeds alone (and on the backend's float
 * summation order), with a time cap also on the machine's speed.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { Tokenizer } from '@huggingface/tokenizers';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { format, resolveConfig } from 'prettier';
import {
  SPECIAL_TOKENS,
  buildTokenizerJson,
  parameterCount,
  writeModelFolder,
} from '@risk/reasoning-tools';
import {
  generateHeldOutSet,
  generateTrainingSet,
  generateWordingExamples,
  planSplits,
  tokenizerCorpus,
} from '@risk/reasoning/model/corpus';
import { encodeExample } from '@risk/reasoning-tools/training/encoding';
import { onnxSequenceLogits } from '@risk/reasoning-tools/training/onnx-logits';
import {
  REASONER_CONFIG,
  REASONER_NAME,
  REASONER_SEEDS,
  REASONER_VERSION,
} from '@risk/reasoning-tools/training/reasoner-config';
import {
  createTfDecoder,
  tfDecoderForward,
  tfDecoderWeights,
} from '@risk/reasoning-tools/training/tf-decoder';
import { trainDecoder } from '@risk/reasoning-tools/training/training';
import { SIMULATOR_POOL, simulatorWording } from './simulator-wording';

/** The shipped JSON files pass the repository's prettier check as written. */
async function prettierJson(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.json')) continue;
    const file = join(dir, name);
    const options = (await resolveConfig(file)) ?? {};
    await writeFile(
      file,
      await format(await readFile(file, 'utf8'), { ...options, parser: 'json' }),
    );
  }
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const steps = Number(arg('steps', '1500'));
  const batchSize = Number(arg('batch', '16'));
  const lr = Number(arg('lr', '0.003'));
  const trainSize = Number(arg('train-size', '12000'));
  const simSize = Number(arg('sim-size', '4000'));
  const maxMinutes = Number(arg('max-minutes', '45'));
  const out = arg('out', 'models/risk-reasoner');
  const backend = arg('backend', 'wasm');
  await tf.setBackend(backend);
  await tf.ready();
  const cfg = REASONER_CONFIG;
  console.log(`backend ${tf.getBackend()}, ${parameterCount(cfg)} parameters`);

  const plan = planSplits(REASONER_SEEDS.plan);
  const templated = generateTrainingSet(plan, trainSize, REASONER_SEEDS.train);
  const simulated = generateWordingExamples(
    simulatorWording,
    simSize,
    REASONER_SEEDS.simulatorWording,
    SIMULATOR_POOL,
  );
  const train = [...templated, ...simulated];
  const tokenizerJson = buildTokenizerJson({
    vocabSize: cfg.vocabSize,
    corpus: tokenizerCorpus([...templated.slice(0, 3000), ...simulated.slice(0, 1000)]),
  });
  const tokenizer = new Tokenizer(tokenizerJson, {});
  const tok = {
    encode: (t: string): number[] => tokenizer.encode(t, { add_special_tokens: false }).ids,
  };
  const encoded = train.map((e) => encodeExample(tok, e));
  const meanLen =
    encoded.reduce((s, e) => s + e.promptIds.length + e.completionIds.length, 0) / encoded.length;
  console.log(`${train.length} training examples, mean ${meanLen.toFixed(1)} tokens`);

  const model = createTfDecoder(cfg, { seed: REASONER_SEEDS.init, std: 0.02 });
  const padId = SPECIAL_TOKENS.indexOf('<pad>');
  let window = 0;
  const result = trainDecoder(model, encoded, {
    steps,
    batchSize,
    learningRate: lr,
    warmupSteps: Math.min(20, Math.floor(steps / 10)),
    seed: REASONER_SEEDS.batches,
    padId,
    emphasisWeight: 3,
    maxSeconds: maxMinutes > 0 ? maxMinutes * 60 : undefined,
    onStep: ({ step, loss, lr: rate, seconds }) => {
      window += loss;
      if ((step + 1) % 10 === 0) {
        console.log(
          `step ${step + 1}/${steps} loss ${(window / 10).toFixed(4)} lr ${rate.toExponential(2)} ${seconds.toFixed(0)} s`,
        );
        window = 0;
      }
    },
  });
  const weights = tfDecoderWeights(model);

  const fp32Dir = join(out, 'fp32');
  const int8Dir = join(out, 'int8');
  const meta = { name: REASONER_NAME, version: REASONER_VERSION, tokenizerJson };
  const fp32 = await writeModelFolder(fp32Dir, { cfg, weights, quantization: 'none', ...meta });
  const int8 = await writeModelFolder(int8Dir, {
    cfg,
    weights,
    quantization: 'int8-per-token',
    ...meta,
  });

  // The exported graph must compute what was trained: compare on held-out sequences.
  const session = await ort.InferenceSession.create(join(fp32Dir, 'model.onnx'));
  const heldOut = generateHeldOutSet(plan, 4, REASONER_SEEDS.heldOut);
  let maxDiff = 0;
  for (const e of heldOut) {
    const ids = tok.encode(e.prompt + e.completion);
    const onnx = await onnxSequenceLogits(session, cfg, ids);
    const tfLogits = tf.tidy(() =>
      tfDecoderForward(model, tf.tensor2d([ids], [1, ids.length], 'int32')).dataSync(),
    );
    for (let i = 0; i < onnx.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(onnx[i] - tfLogits[i]));
  }
  await session.release();
  console.log(`export check: max |onnx - tfjs| logits = ${maxDiff.toExponential(2)}`);

  const tail = result.losses.slice(-20);
  const report = {
    name: REASONER_NAME,
    version: REASONER_VERSION,
    backend: tf.getBackend(),
    parameters: parameterCount(cfg),
    config: cfg,
    seeds: REASONER_SEEDS,
    trainExamples: train.length,
    simulatorWordingExamples: simulated.length,
    meanTokens: Number(meanLen.toFixed(1)),
    steps: result.steps,
    requestedSteps: steps,
    batchSize,
    peakLearningRate: lr,
    seconds: Number(result.seconds.toFixed(1)),
    firstLoss: Number(result.losses[0].toFixed(4)),
    finalLoss: Number((tail.reduce((a, b) => a + b, 0) / tail.length).toFixed(4)),
    lossEvery10: result.losses.filter((_, i) => i % 10 === 9).map((l) => Number(l.toFixed(4))),
    exportMaxAbsDiff: maxDiff,
    fp32ModelBytes: fp32.modelBytes,
    int8ModelBytes: int8.modelBytes,
    int8Quantization: 'int8-per-token',
  };
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'train-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await Promise.all([prettierJson(fp32Dir), prettierJson(int8Dir), prettierJson(out)]);
  console.log(
    `trained ${result.steps} steps in ${result.seconds.toFixed(0)} s, final loss ${report.finalLoss}; fp32 ${fp32.modelBytes} B, int8 ${int8.modelBytes} B`,
  );
  if (maxDiff > 1e-4) throw new Error(`exported logits differ from training logits by ${maxDiff}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
