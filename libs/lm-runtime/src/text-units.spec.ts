import { chunkText, splitSentences } from './text-units';

const words = (s: string): number => s.split(/\s+/).filter(Boolean).length;
const splitWords = (s: string, n: number): string[] => {
  const w = s.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < w.length; i += n) out.push(w.slice(i, i + n).join(' '));
  return out;
};

describe('text units', () => {
  it('splits sentences on terminal punctuation', () => {
    expect(splitSentences('Rates rose. Stocks fell! Why? Unclear')).toEqual([
      'Rates rose.',
      'Stocks fell!',
      'Why?',
      'Unclear',
    ]);
  });

  it('packs paragraphs into chunks within the token limit, keeping every word in order', () => {
    const body = 'a b c. d e f.\n\ng h i j k l m n o p. q r.\n\ns';
    const chunks = chunkText(body, 5, words, splitWords);
    for (const c of chunks) expect(words(c)).toBeLessThanOrEqual(5);
    expect(chunks.join(' ').split(/\s+/).join('')).toBe(body.split(/\s+/).join(''));
  });

  it('keeps a short text whole', () => {
    expect(chunkText('one two', 10, words, splitWords)).toEqual(['one two']);
  });
});
