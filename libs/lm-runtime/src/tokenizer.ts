import { Tokenizer } from '@huggingface/tokenizers';
import { readModelJson } from './model-files';

/** Text ↔ token ids, as the model was trained; no special tokens are added implicitly. */
export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

class HfTokenizer implements TextTokenizer {
  constructor(private readonly tokenizer: Tokenizer) {}

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: false });
  }
}

/** Loads tokenizer.json (and tokenizer_config.json when present) from a model folder, offline. */
export async function loadTokenizer(modelDir: string): Promise<TextTokenizer> {
  const json = await readModelJson(modelDir, 'tokenizer.json');
  if (!json) throw new Error(`${modelDir}/tokenizer.json not found`);
  const config = (await readModelJson(modelDir, 'tokenizer_config.json')) ?? {};
  return new HfTokenizer(new Tokenizer(json, config));
}
