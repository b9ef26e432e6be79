/**
 * Name normalization shared by display and entity linking: legal-form suffixes ("Inc.", "plc",
 * "Corp"), share classes, possessives, case and accents.
 */
export const LEGAL_SUFFIXES = new Set([
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'cos',
  'plc',
  'ltd',
  'limited',
  'llc',
  'lp',
  'llp',
  'ag',
  'sa',
  'se',
  'nv',
  'bv',
  'spa',
  'gmbh',
  'kgaa',
  'oyj',
  'asa',
  'ab',
  'kk',
  'pte',
  'pty',
  'bhd',
  'tbk',
]);

/** Words that qualify a name and may be left out when the company is named ("Holdings"). */
export const ORGANIZATIONAL_WORDS = new Set(['holdings', 'holding', 'group', 'the']);

export interface Token {
  /** Lower-case, accents removed. */
  norm: string;
  /** As written. */
  raw: string;
}

/** Words of a text: letters and digits; possessive 's dropped; & read as "and". */
export function tokenize(text: string): Token[] {
  const cleaned = text
    // Dotted abbreviations are one word: "U.S." is "US", "S.A." is "SA".
    .replace(/(?<![\p{L}\p{N}])((?:\p{L}\.){2,})/gu, (m: string) => m.replace(/\./g, '') + ' ')
    .replace(/(\p{L})['’]s\b/gu, '$1')
    .replace(/(\p{L}s)['’](?=\s|$)/gu, '$1')
    .replace(/&/g, ' and ');
  const tokens: Token[] = [];
  for (const m of cleaned.matchAll(/[\p{L}\p{N}]+/gu)) {
    const raw = m[0];
    const norm = raw.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
    tokens.push({ norm, raw });
  }
  return tokens;
}

/** Drops trailing legal forms and a share class ("Class B") from a tokenized name. */
export function stripLegalForm(tokens: Token[]): Token[] {
  let end = tokens.length;
  for (;;) {
    if (end >= 3 && tokens[end - 2].norm === 'class' && tokens[end - 1].norm.length === 1) {
      end -= 2;
    } else if (end >= 2 && LEGAL_SUFFIXES.has(tokens[end - 1].norm)) {
      end -= 1;
    } else {
      break;
    }
  }
  return tokens.slice(0, end);
}

/** "Kestrel Components Inc." → "Kestrel Components"; "Gruppo Holdings Class B" → "Gruppo Holdings". */
export function displayName(name: string): string {
  let out = name.trim();
  for (;;) {
    const m = /[\s,]+(?:class\s+[a-z]|([\p{L}.]+))$/iu.exec(out);
    if (!m) break;
    const word = m[1]?.replace(/\./g, '').toLowerCase();
    if (m[1] !== undefined && !LEGAL_SUFFIXES.has(word ?? '')) break;
    if (m.index === 0) break;
    out = out.slice(0, m.index);
  }
  return out;
}
