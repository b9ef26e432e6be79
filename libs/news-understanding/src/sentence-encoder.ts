import { Tokenizer } from '@huggingface/tokenizers';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { EncoderFiles } from './encoder-artifact';
import { meanPoolNormalise } from './vectors';

/** MiniLM was trained on 256 word pieces at most; longer text is read in chunks (text-chunks). */
export const ENCODER_MAX_TOKENS = 256;

/**
 * The sentence encoder's session: a text → one L2-normalised 384-d vector, as sentence-transformers
 * computes it for all-MiniLM-L6-v2 (mean of the last hidden state over the attention mask).
 */
export class SentenceEncoder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
  ) {}

  static async open(files: EncoderFiles, threads = 1): Promise<SentenceEncoder> {
    const json = JSON.parse(await readFile(files.tokenizer, 'utf8')) as Record<string, unknown>;
    const session = await ort.InferenceSession.create(files.onnx, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    for (const name of ['input_ids', 'attention_mask', 'token_type_ids']) {
      if (!session.inputNames.includes(name)) throw new Error(`${files.onnx}: no input ${name}`);
    }
    return new SentenceEncoder(session, new Tokenizer(json, {}));
  }

  /** Word pieces of `text` with [CLS]/[SEP], cut to ENCODER_MAX_TOKENS. */
  tokens(text: string): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: true }).ids;
    if (ids.length <= ENCODER_MAX_TOKENS) return ids;
    return [...ids.slice(0, ENCODER_MAX_TOKENS - 1), ids[ids.length - 1]];
  }

  async embed(text: string): Promise<Float32Array> {
    const ids = this.tokens(text);
    const n = ids.length;
    const shape = [1, n];
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), shape),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), shape),
    };
    const out = await this.session.run(feeds);
    const hidden = out[this.session.outputNames[0]];
    const data = hidden.data as Float32Array;
    const dim = hidden.dims[2];
    return meanPoolNormalise(data, n, dim);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
