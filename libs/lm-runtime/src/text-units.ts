/**
 * Splits a long text into logical units (paragraphs, then sentences, then token windows as a last
 * resort) and packs consecutive units into chunks of at most `maxTokens` tokens, so a body
 * longer than the context is reasoned over chunk by chunk.
 */
export function splitParagraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

export function splitSentences(paragraph: string): string[] {
  const parts = paragraph.match(/[^.!?。！？]+(?:[.!?。！？]+["')\]]*|$)\s*/g) ?? [paragraph];
  return parts.map((s) => s.trim()).filter((s) => s.length > 0);
}

export function chunkText(
  text: string,
  maxTokens: number,
  countTokens: (s: string) => number,
  splitTokens: (s: string, maxTokens: number) => string[],
): string[] {
  if (maxTokens < 1) throw new RangeError('maxTokens must be >= 1');
  const units: string[] = [];
  for (const paragraph of splitParagraphs(text)) {
    if (countTokens(paragraph) <= maxTokens) {
      units.push(paragraph);
      continue;
    }
    for (const sentence of splitSentences(paragraph)) {
      if (countTokens(sentence) <= maxTokens) units.push(sentence);
      else units.push(...splitTokens(sentence, maxTokens));
    }
  }
  const chunks: string[] = [];
  let current = '';
  for (const unit of units) {
    const joined = current ? `${current}\n${unit}` : unit;
    if (current && countTokens(joined) > maxTokens) {
      chunks.push(current);
      current = unit;
    } else {
      current = joined;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}
