import { Tokenizer } from '@huggingface/tokenizers';
import { SPECIAL_TOKENS, buildTokenizerConfigJson, buildTokenizerJson } from './tokenizer-json';

describe('tokenizer.json writer', () => {
  const json = buildTokenizerJson({ vocabSize: 512 });
  const tokenizer = new Tokenizer(json, buildTokenizerConfigJson(2048));

  it('fills the requested vocabulary: specials, 256 bytes, learned merges', () => {
    expect(Object.keys(json.model.vocab)).toHaveLength(512);
    expect(new Set(Object.values(json.model.vocab)).size).toBe(512);
    SPECIAL_TOKENS.forEach((t, id) => expect(tokenizer.token_to_id(t)).toBe(id));
  });

  it.each([
    'Risk level rose from MEDIUM to HIGH: VaR(99%) = 1,250,000.50 USD',
    "  It's naïve — €42 or ¥7\n\ttabs and\r\nnewlines  ",
    '<|im_start|>user\nEvaluate portfolio P-7.<|im_end|>\n<|im_start|>assistant\n',
    '7',
  ])('round-trips %j exactly', (text) => {
    const { ids } = tokenizer.encode(text);
    expect(ids.every((id) => id >= 0 && id < 512)).toBe(true);
    expect(tokenizer.decode(ids)).toBe(text);
  });

  it('encodes empty text to no ids (the library refuses to decode an empty list)', () => {
    expect(tokenizer.encode('').ids).toEqual([]);
    expect(() => tokenizer.decode([])).toThrow();
  });

  it('splits digits one by one and keeps special tokens whole', () => {
    expect(tokenizer.tokenize('x 2025')).toEqual(['x', 'Ġ', '2', '0', '2', '5']);
    const { ids } = tokenizer.encode('<|im_start|>risk<|im_end|>');
    expect(ids[0]).toBe(1);
    expect(ids[ids.length - 1]).toBe(2);
  });

  it('learns merges from the corpus it is given, deterministically', () => {
    const a = buildTokenizerJson({ vocabSize: 300, corpus: 'hedge hedge hedging' });
    expect(a).toEqual(buildTokenizerJson({ vocabSize: 300, corpus: 'hedge hedge hedging' }));
    const small = new Tokenizer(a, {});
    expect(small.tokenize('hedge')).toEqual(['hedge']);
  });
});
