import { kvBytesPerToken, ModelConfigError, parseGenaiSpec, parseModelSpec } from './model-spec';

/** config.json of Qwen2.5-0.5B-Instruct (the keys the runtime reads). */
const QWEN25_05B = {
  hidden_size: 896,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  num_hidden_layers: 24,
  vocab_size: 151936,
  max_position_embeddings: 32768,
  eos_token_id: 151645,
};

describe('parseModelSpec', () => {
  it('reads a Qwen2.5 config, deriving head_dim and merging generation_config eos ids', () => {
    const spec = parseModelSpec(QWEN25_05B, { eos_token_id: [151645, 151643] });
    expect(spec).toMatchObject({ numLayers: 24, numKvHeads: 2, headDim: 64, vocabSize: 151936 });
    expect(spec.eosTokenIds).toEqual([151645, 151643]);
    expect(spec.slidingWindow).toBeUndefined();
    // 2 x 24 layers x 2 kv heads x 64 x 4 bytes = 24 KiB per token
    expect(kvBytesPerToken(spec)).toBe(24576);
  });

  it('reads the sliding-window extension', () => {
    const spec = parseModelSpec({
      ...QWEN25_05B,
      risk_sliding_window: { window: 256, global_tokens: 4 },
    });
    expect(spec.slidingWindow).toEqual({ window: 256, globalTokens: 4 });
  });

  it('rejects a config without layer count', () => {
    expect(() => parseModelSpec({ hidden_size: 8 })).toThrow(ModelConfigError);
  });
});

describe('parseGenaiSpec', () => {
  it('reads genai_config.json of an onnxruntime-genai Qwen2.5-0.5B build', () => {
    const spec = parseGenaiSpec({
      model: {
        context_length: 32768,
        decoder: {
          head_size: 64,
          hidden_size: 896,
          num_attention_heads: 14,
          num_hidden_layers: 24,
          num_key_value_heads: 2,
        },
        eos_token_id: [151645, 151643],
        vocab_size: 151936,
      },
    });
    expect(spec).toEqual({
      numLayers: 24,
      numKvHeads: 2,
      headDim: 64,
      vocabSize: 151936,
      maxPositions: 32768,
      eosTokenIds: [151645, 151643],
    });
  });

  it('rejects a file without a decoder section', () => {
    expect(() => parseGenaiSpec({ model: { vocab_size: 10 } })).toThrow(ModelConfigError);
  });
});
