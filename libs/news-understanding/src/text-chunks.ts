import { chunkText } from '@risk/lm-runtime/text-units';

/** Longest body the service reads: 64 KiB of UTF-8; the rest is cut (on a whole character). */
export const MAX_BODY_BYTES = 64 * 1024;

/** The longest prefix of `text` whose UTF-8 takes at most `maxBytes`, never half a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    // for…of walks code points: a surrogate pair is one character of 4 bytes.
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** Splits `text` into pieces of at most `maxChars` UTF-16 units, never inside a surrogate pair. */
export function splitOnCharacters(text: string, maxChars: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of text) {
    if (current.length + ch.length > maxChars && current) {
      out.push(current);
      current = '';
    }
    current += ch;
  }
  if (current) out.push(current);
  return out;
}

/**
 * What the encoder reads of a story: the headline alone, then the headline followed by each chunk
 * of the (cut) body, so the headline never falls out of the window. Chunks follow paragraphs and
 * sentences (`chunkText`), a run-on sentence is cut on whole characters; `maxChars` bounds a chunk
 * (about 200 word pieces for MiniLM's 256).
 */
export function storyWindows(headline: string, body: string | undefined, maxChars = 700): string[] {
  const windows = [headline];
  const text = cutUtf8(body ?? '', MAX_BODY_BYTES).trim();
  if (!text) return windows;
  const chars = (s: string) => s.length;
  for (const chunk of chunkText(text, maxChars, chars, (s, n) => splitOnCharacters(s, n))) {
    windows.push(`${headline}\n${chunk}`);
  }
  return windows;
}
