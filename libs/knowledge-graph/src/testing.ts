/**
 * Test helpers for the knowledge graph's specs (and the engine's that use it); not exported
 * from the library's index, imported as `@risk/knowledge-graph/testing`.
 */
import type { Embed } from './fuzzy-linker';
import { trigrams } from './fuzzy-linker';
import type { GraphInstrument } from './graph-types';

/** An instrument with only what linking and reach read; no sector, country or underlying. */
export const graphInstrument = (
  symbol: string,
  issuer: string,
  name: string,
  aliases: string[] = [],
  type: GraphInstrument['type'] = 'equity',
): GraphInstrument => ({
  symbol,
  issuer,
  type,
  name,
  aliases,
  sector: null,
  country: null,
  currency: null,
  underlying: null,
});

/**
 * A stand-in encoder: a text's vector is its letter-trigram counts hashed into 64 dimensions,
 * unit length, so near spellings are near. The real one is the news encoder (bench:graph).
 */
export const trigramEmbed: Embed = async (texts) =>
  texts.map((t) => {
    const v = new Float32Array(64);
    for (const g of trigrams(t)) {
      let h = 0;
      for (const c of g) h = (h * 31 + c.charCodeAt(0)) % 64;
      v[h] += 1;
    }
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  });
