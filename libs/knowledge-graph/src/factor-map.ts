import type { GraphInstrument } from './graph-types';

/**
 * The factor map (docs/knowledge-graph.md § Factors): words in a story that name a macro factor
 * or a sector, and which instruments each exposes, through the instrument's type, sector, country
 * and currency. Weights are the share of a full, direct hit the factor passes on.
 */
export type FactorKind = 'rates' | 'oil' | 'currency' | 'country' | 'sector';

export interface Factor {
  /** `factor:rates`, `factor:oil`, `currency:JPY`, `country:DE`, `sector:Energy`. */
  id: string;
  kind: FactorKind;
  /** The currency, country or sector named; absent for rates and oil. */
  value?: string;
  /** The words that named it. */
  matched: string;
}

interface Cue {
  kind: FactorKind;
  value?: string;
  /** Tested against the story's text; word boundaries built in. */
  pattern: RegExp;
}

const words = (alternatives: string, flags = 'iu'): RegExp =>
  new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives})(?![\\p{L}\\p{N}])`, flags);

// GICS sector names: reference data should use these in `sector` for sector stories to reach it.
export const SECTORS = [
  'Energy',
  'Materials',
  'Industrials',
  'Consumer Discretionary',
  'Consumer Staples',
  'Health Care',
  'Financials',
  'Information Technology',
  'Communication Services',
  'Utilities',
  'Real Estate',
] as const;

const CUES: Cue[] = [
  {
    kind: 'rates',
    pattern: words(
      'interest[- ]rates?|rates? (?:hike|hikes|cut|cuts|rise|rises|increase|decision)|' +
        '(?:raises|raised|cuts|cut|hikes|hiked|lifts|lowers|holds|held) (?:interest )?rates|' +
        'Federal Reserve|central banks?|Bank of (?:England|Japan|Canada)|monetary policy|' +
        '(?:treasury|bond|gilt|bund) yields?|basis points?|\\d+ ?bps?',
    ),
  },
  { kind: 'rates', pattern: words('Fed|FOMC|ECB|BoE|BoJ', 'u') },
  { kind: 'oil', pattern: words('oil|crude|OPEC\\+?|Brent|WTI|barrels?|petroleum') },
  { kind: 'currency', value: 'USD', pattern: words('dollar|greenback') },
  { kind: 'currency', value: 'EUR', pattern: words('euro') },
  { kind: 'currency', value: 'GBP', pattern: words('sterling|the pound') },
  { kind: 'currency', value: 'JPY', pattern: words('yen') },
  { kind: 'currency', value: 'CNY', pattern: words('yuan|renminbi') },
  { kind: 'currency', value: 'CHF', pattern: words('Swiss franc') },
  { kind: 'currency', value: 'INR', pattern: words('rupee') },
  { kind: 'country', value: 'US', pattern: words('United States|U\\.S\\.|US|USA', 'u') },
  { kind: 'country', value: 'US', pattern: words('American') },
  { kind: 'country', value: 'CN', pattern: words('China|Chinese') },
  { kind: 'country', value: 'JP', pattern: words('Japan|Japanese') },
  { kind: 'country', value: 'DE', pattern: words('Germany|German') },
  { kind: 'country', value: 'FR', pattern: words('France|French') },
  { kind: 'country', value: 'GB', pattern: words('Britain|British|United Kingdom|U\\.K\\.', 'iu') },
  { kind: 'country', value: 'GB', pattern: words('UK', 'u') },
  { kind: 'country', value: 'IT', pattern: words('Italy|Italian') },
  { kind: 'country', value: 'CH', pattern: words('Switzerland') },
  { kind: 'country', value: 'IN', pattern: words('India|Indian') },
  { kind: 'country', value: 'BR', pattern: words('Brazil|Brazilian') },
  { kind: 'country', value: 'CA', pattern: words('Canada|Canadian') },
  { kind: 'country', value: 'TW', pattern: words('Taiwan|Taiwanese') },
  { kind: 'country', value: 'KR', pattern: words('South Korea|Korean') },
  { kind: 'country', value: 'MX', pattern: words('Mexico|Mexican') },
  {
    kind: 'sector',
    value: 'Information Technology',
    pattern: words('tech stocks|technology stocks|chipmakers?|semiconductors?|software makers?'),
  },
  {
    kind: 'sector',
    value: 'Financials',
    pattern: words('banks|banking sector|lenders|insurers|financial stocks|financials'),
  },
  {
    kind: 'sector',
    value: 'Health Care',
    pattern: words(
      'drugmakers?|pharmaceutical companies|pharma stocks|biotechs?|health ?care stocks',
    ),
  },
  {
    kind: 'sector',
    value: 'Energy',
    pattern: words('energy stocks|energy sector|oil majors|drillers'),
  },
  {
    kind: 'sector',
    value: 'Consumer Discretionary',
    pattern: words('retailers|automakers?|carmakers?|consumer discretionary'),
  },
  {
    kind: 'sector',
    value: 'Consumer Staples',
    pattern: words('grocers|food makers|consumer staples'),
  },
  {
    kind: 'sector',
    value: 'Industrials',
    pattern: words('airlines|industrials|defen[cs]e contractors'),
  },
  {
    kind: 'sector',
    value: 'Materials',
    pattern: words('miners|mining stocks|steelmakers|chemical makers'),
  },
  { kind: 'sector', value: 'Utilities', pattern: words('utilities|power companies') },
  {
    kind: 'sector',
    value: 'Real Estate',
    pattern: words('REITs?|real estate|property developers'),
  },
  {
    kind: 'sector',
    value: 'Communication Services',
    pattern: words('telecoms?|telcos|media stocks'),
  },
];

/** The factors a story names, each once, in the order of the map. */
export function findFactors(text: string): Factor[] {
  const found = new Map<string, Factor>();
  for (const cue of CUES) {
    const m = cue.pattern.exec(text);
    if (!m) continue;
    const id = cue.value === undefined ? `factor:${cue.kind}` : `${cue.kind}:${cue.value}`;
    if (!found.has(id)) found.set(id, { id, kind: cue.kind, value: cue.value, matched: m[0] });
  }
  return [...found.values()];
}

export interface ExposureRule {
  /** Says in words which instruments it covers, for the docs and explanations. */
  what: string;
  weight: number;
  matches(i: GraphInstrument): boolean;
}

const sectorIs = (sector: string) => (i: GraphInstrument) =>
  i.sector !== null && i.sector.toLowerCase() === sector.toLowerCase();

/** Which instruments a factor exposes, and how strongly. */
export function exposureRules(factor: Factor): ExposureRule[] {
  switch (factor.kind) {
    case 'rates':
      return [
        { what: 'bonds', weight: 1, matches: (i) => i.type === 'bond' },
        { what: 'Real Estate', weight: 0.6, matches: sectorIs('Real Estate') },
        { what: 'Financials', weight: 0.5, matches: sectorIs('Financials') },
        { what: 'Utilities', weight: 0.4, matches: sectorIs('Utilities') },
      ];
    case 'oil':
      return [
        { what: 'Energy', weight: 1, matches: sectorIs('Energy') },
        { what: 'Industrials', weight: 0.3, matches: sectorIs('Industrials') },
        { what: 'Materials', weight: 0.3, matches: sectorIs('Materials') },
      ];
    case 'currency':
      return [
        {
          what: `fx on ${factor.value}`,
          weight: 1,
          matches: (i) => i.type === 'fx' && i.currency === factor.value,
        },
        {
          what: `priced in ${factor.value}`,
          weight: 0.5,
          matches: (i) => i.type !== 'fx' && i.currency === factor.value,
        },
      ];
    case 'country':
      return [
        { what: `of ${factor.value}`, weight: 0.3, matches: (i) => i.country === factor.value },
      ];
    case 'sector':
      return [{ what: factor.value ?? '', weight: 1, matches: sectorIs(factor.value ?? '') }];
  }
}
