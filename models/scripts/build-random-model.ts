/**
 * Builds a random-weight decoder model folder (model.onnx, config.json, tokenizer files).
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register models/scripts/build-random-model.ts \
 *     --out DIR --preset tiny|small|bench [--int8 | --quant none|int8|int8-per-token] \
 *     [--window W --global G] [--seed N] \
 *     [--name NAME] [--version V]
 */
import { parseArgs } from 'node:util';
import {
  DECODER_PRESETS,
  DecoderConfig,
  DecoderPreset,
  Quantization,
  parameterCount,
  writeModelFolder,
} from '@risk/reasoning-tools/graph';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      preset: { type: 'string', default: 'tiny' },
      int8: { type: 'boolean', default: false },
      quant: { type: 'string' },
      window: { type: 'string' },
      global: { type: 'string' },
      seed: { type: 'string', default: '42' },
      name: { type: 'string' },
      version: { type: 'string', default: '0.1.0' },
    },
  });
  const preset = values.preset as DecoderPreset;
  if (!values.out || !(preset in DECODER_PRESETS)) {
    throw new Error(
      'usage: --out DIR --preset tiny|small|bench [--int8 | --quant Q] [--window W --global G]',
    );
  }
  const cfg: DecoderConfig = { ...DECODER_PRESETS[preset] };
  if (values.window !== undefined) {
    cfg.slidingWindow = { window: Number(values.window), globalTokens: Number(values.global ?? 0) };
  }
  const quantization = (values.quant ?? (values.int8 ? 'int8' : 'none')) as Quantization;
  if (!['none', 'int8', 'int8-per-token'].includes(quantization)) {
    throw new Error(`--quant must be none, int8 or int8-per-token, got ${quantization}`);
  }
  const suffix = quantization === 'none' ? '' : `-${quantization}`;
  const name = values.name ?? `random-${preset}${cfg.slidingWindow ? '-sw' : ''}${suffix}`;
  const started = Date.now();
  const { modelBytes } = await writeModelFolder(values.out, {
    cfg,
    weights: { seed: Number(values.seed) },
    quantization,
    name,
    version: values.version,
  });
  console.log(
    `${name}@${values.version}: ${parameterCount(cfg).toLocaleString('en-US')} parameters, ` +
      `model.onnx ${(modelBytes / 1048576).toFixed(2)} MiB (${quantization}), ` +
      `written to ${values.out} in ${Date.now() - started} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
