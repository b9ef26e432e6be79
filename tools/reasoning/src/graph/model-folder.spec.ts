/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DECODER_PRESETS, DecoderConfig } from './decoder-config';
import { MODEL_FILE, fromHfConfigJson, writeModelFolder } from './model-folder';

describe('model folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'risk-model-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes model, HF config and tokenizer files that load back', async () => {
    const cfg: DecoderConfig = {
      ...DECODER_PRESETS.tiny,
      slidingWindow: { window: 64, globalTokens: 4 },
    };
    await writeModelFolder(dir, {
      cfg,
      weights: { seed: 1 },
      quantization: 'int8',
      name: 'random-tiny',
      version: '1.2.3',
    });
    expect((await readdir(dir)).sort()).toEqual(
      [
        'config.json',
        'generation_config.json',
        MODEL_FILE,
        'tokenizer.json',
        'tokenizer_config.json',
      ].sort(),
    );
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'qwen2',
      hidden_size: 64,
      num_key_value_heads: 2,
      risk_sliding_window: { window: 64, global_tokens: 4 },
      risk_model_name: 'random-tiny',
      risk_model_version: '1.2.3',
      risk_quantization: 'int8',
    });
    expect(fromHfConfigJson(config)).toEqual({ ...cfg, headDim: 16 });
    const tokenizer = new Tokenizer(
      JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')),
      JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')),
    );
    expect(tokenizer.decode(tokenizer.encode('Exposure 12%').ids)).toBe('Exposure 12%');
    const session = await ort.InferenceSession.create(join(dir, MODEL_FILE));
    expect(session.outputNames[0]).toBe('logits');
    await session.release();
  });
});
