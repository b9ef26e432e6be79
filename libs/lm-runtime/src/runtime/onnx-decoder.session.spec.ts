import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DecoderSignatureError,
  discoverIoNames,
  executionProviderProblem,
  kvTypeOf,
} from './onnx-decoder.session';

describe('discoverIoNames', () => {
  const inputs = ['input_ids', 'attention_mask', 'past.0.k', 'past.0.v', 'past.1.k', 'past.1.v'];
  const outputs = ['out_logits', 'cache.0.k', 'cache.0.v', 'cache.1.k', 'cache.1.v'];

  it('maps names given as genai_config.json %d templates', () => {
    const io = discoverIoNames(inputs, outputs, 2, {
      pastKey: 'past.%d.k',
      pastValue: 'past.%d.v',
      presentKey: 'cache.%d.k',
      presentValue: 'cache.%d.v',
      logits: 'out_logits',
    });
    expect(io.pastKeys).toEqual(['past.0.k', 'past.1.k']);
    expect(io.presentValues).toEqual(['cache.0.v', 'cache.1.v']);
    expect(io.newKeys).toBeNull();
    expect(io.hasPositionIds).toBe(false);
  });

  it('refuses a layer count that does not match', () => {
    expect(() => discoverIoNames(inputs, outputs, 3)).toThrow(DecoderSignatureError);
  });
});

describe('kvTypeOf', () => {
  const meta = (type: string) =>
    ['past_key_values.0.key', 'past_key_values.0.value'].map((name) => ({
      name,
      isTensor: true as const,
      type: type as 'float32',
      shape: [],
    }));

  it('accepts float32 and float16 K/V and refuses others', () => {
    const names = ['past_key_values.0.key'];
    expect(kvTypeOf(meta('float32'), names)).toBe('float32');
    expect(kvTypeOf(meta('float16'), names)).toBe('float16');
    expect(() => kvTypeOf(meta('bfloat16'), names)).toThrow(/float32 and float16/);
  });
});

describe('executionProviderProblem', () => {
  it('says how to install the CUDA binaries when they are missing, and nothing for cpu', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'ort-bin-'));
    expect(executionProviderProblem('cpu', empty)).toBeUndefined();
    if (process.platform === 'linux') {
      expect(executionProviderProblem('cuda', empty)).toMatch(
        /no CUDA binaries.*ONNXRUNTIME_NODE_INSTALL=cuda12/,
      );
      writeFileSync(path.join(empty, 'libonnxruntime_providers_cuda.so'), '');
      expect(executionProviderProblem('cuda', empty)).toBeUndefined();
    }
  });
});
