import { RiskExample, formatJudgement } from '@risk/reasoning/model/corpus';
import { EncodedExample } from './training';

/** The part of a tokenizer training and evaluation need (no special tokens added). */
export interface TokenEncoder {
  encode(text: string): number[];
}

/** Prompt and completion ids; the closing judgement lines (impact, severity) are the emphasis. */
export function encodeExample(tok: TokenEncoder, e: RiskExample): EncodedExample {
  const promptIds = tok.encode(e.prompt);
  const completionIds = tok.encode(e.completion);
  const judgement = tok.encode(formatJudgement(e.judgement));
  const start = completionIds.length - judgement.length;
  const suffixMatches = start >= 0 && judgement.every((id, i) => completionIds[start + i] === id);
  return { promptIds, completionIds, emphasisFrom: suffixMatches ? start : completionIds.length };
}
