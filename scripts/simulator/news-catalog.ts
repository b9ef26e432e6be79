/** Kinds of news the simulator emits, each with the price jump it causes and its headlines. */
import { pick, uniform, uniformInt, type Rng } from './prng';
import type { InstrumentSpec, Sector } from './universe';

/** What a story is about (and so what its jump moves): one company, one sector, or the market. */
export type NewsScope = 'company' | 'sector' | 'market';

export type NewsKind =
  | 'earnings_beat'
  | 'earnings_miss'
  | 'guidance_raise'
  | 'guidance_cut'
  | 'regulatory_probe'
  | 'fraud_allegation'
  | 'rating_upgrade'
  | 'rating_downgrade'
  | 'merger_target'
  | 'merger_acquirer'
  | 'product_recall'
  | 'lawsuit'
  | 'executive_exit'
  | 'buyback'
  | 'dividend_cut'
  | 'sector_regulation'
  | 'macro_shock'
  | 'neutral_company'
  | 'neutral_market';

export interface HeadlineContext {
  company: InstrumentSpec;
  sector: Sector;
  /** Sign of the move that follows: the headline must agree with it. */
  sign: 1 | -1;
  rng: Rng;
}

export interface NewsKindSpec {
  kind: NewsKind;
  scope: NewsScope;
  /** Direction of the jump; 0 for neutral news, 'either' decided per event. */
  sign: 1 | -1 | 0 | 'either';
  /** Mean and standard deviation of |jump| as a log-return (0 for neutral). */
  jumpMean: number;
  jumpSd: number;
  /** Relative frequency among all news. */
  weight: number;
  headline: (c: HeadlineContext) => string;
  body?: (c: HeadlineContext) => string;
}

const SECTOR_NAMES: Record<Sector, string> = {
  TECH: 'technology',
  FIN: 'financial',
  HEALTH: 'healthcare',
  ENERGY: 'energy',
  CONSUMER: 'consumer',
};

const AGENCIES = ['Moody’s', 'S&P Global', 'Fitch', 'Morningside Research', 'Harbor Securities'];
const ROLES = ['CEO', 'CFO', 'COO', 'chief technology officer', 'head of sales'];
const REGULATORS = ['SEC', 'FTC', 'DOJ', 'European Commission', 'CFTC'];

function quarter(rng: Rng): string {
  return `Q${uniformInt(rng, 1, 4)}`;
}

function money(rng: Rng, min: number, max: number): string {
  return uniform(rng, min, max).toFixed(2);
}

export const NEWS_KINDS: readonly NewsKindSpec[] = [
  {
    kind: 'earnings_beat',
    scope: 'company',
    sign: 1,
    jumpMean: 0.04,
    jumpSd: 0.015,
    weight: 9,
    headline: ({ company, rng }) => {
      const est = Number(money(rng, 0.5, 3));
      const eps = (est * uniform(rng, 1.08, 1.3)).toFixed(2);
      return pick(rng, [
        `${company.name} ${quarter(rng)} EPS $${eps} tops $${est.toFixed(2)} consensus`,
        `${company.symbol} beats on revenue and earnings, shares climb`,
        `${company.name} posts record quarterly revenue, margins widen`,
      ]);
    },
    body: ({ company }) =>
      `${company.name} reported results above analyst expectations, citing stronger demand and cost discipline.`,
  },
  {
    kind: 'earnings_miss',
    scope: 'company',
    sign: -1,
    jumpMean: 0.06,
    jumpSd: 0.02,
    weight: 6,
    headline: ({ company, rng }) => {
      const est = Number(money(rng, 0.5, 3));
      const eps = (est * uniform(rng, 0.6, 0.92)).toFixed(2);
      return pick(rng, [
        `${company.name} ${quarter(rng)} EPS $${eps} misses $${est.toFixed(2)} estimate`,
        `${company.symbol} falls short on revenue as demand softens`,
        `${company.name} earnings disappoint, margins shrink`,
      ]);
    },
    body: ({ company }) =>
      `${company.name} reported results below expectations and pointed to weaker orders.`,
  },
  {
    kind: 'guidance_raise',
    scope: 'company',
    sign: 1,
    jumpMean: 0.04,
    jumpSd: 0.015,
    weight: 5,
    headline: ({ company }) => `${company.name} raises full-year outlook on strong demand`,
  },
  {
    kind: 'guidance_cut',
    scope: 'company',
    sign: -1,
    jumpMean: 0.07,
    jumpSd: 0.025,
    weight: 5,
    headline: ({ company, rng }) =>
      pick(rng, [
        `${company.name} cuts full-year guidance, cites weaker orders`,
        `${company.symbol} slashes revenue forecast by ${uniformInt(rng, 5, 20)}%`,
      ]),
    body: ({ company }) =>
      `${company.name} lowered its outlook for the year, the second revision in six months.`,
  },
  {
    kind: 'regulatory_probe',
    scope: 'company',
    sign: -1,
    jumpMean: 0.05,
    jumpSd: 0.02,
    weight: 4,
    headline: ({ company, rng }) =>
      `${pick(rng, REGULATORS)} opens probe into ${company.name} ${pick(rng, ['accounting', 'sales practices', 'pricing', 'disclosures'])}`,
  },
  {
    kind: 'fraud_allegation',
    scope: 'company',
    sign: -1,
    jumpMean: 0.14,
    jumpSd: 0.05,
    weight: 2,
    headline: ({ company, rng }) =>
      pick(rng, [
        `Short seller alleges accounting fraud at ${company.name}`,
        `Whistleblower accuses ${company.name} of inflating revenue`,
      ]),
    body: ({ company }) =>
      `A report published today alleges that ${company.name} overstated revenue over several years. The company denies the claims.`,
  },
  {
    kind: 'rating_upgrade',
    scope: 'company',
    sign: 1,
    jumpMean: 0.02,
    jumpSd: 0.008,
    weight: 6,
    headline: ({ company, rng }) =>
      `${pick(rng, AGENCIES)} upgrades ${company.symbol} to ${pick(rng, ['buy', 'overweight', 'outperform'])}`,
  },
  {
    kind: 'rating_downgrade',
    scope: 'company',
    sign: -1,
    jumpMean: 0.025,
    jumpSd: 0.01,
    weight: 5,
    headline: ({ company, rng }) =>
      `${pick(rng, AGENCIES)} downgrades ${company.symbol} to ${pick(rng, ['sell', 'underweight', 'underperform'])}`,
  },
  {
    kind: 'merger_target',
    scope: 'company',
    sign: 1,
    jumpMean: 0.18,
    jumpSd: 0.06,
    weight: 1.5,
    headline: ({ company, rng }) =>
      `${company.name} agrees to be acquired for $${uniformInt(rng, 5, 80)} billion in cash`,
    body: ({ company }) =>
      `The offer values ${company.name} at a substantial premium to its last close; the boards of both companies approved the deal.`,
  },
  {
    kind: 'merger_acquirer',
    scope: 'company',
    sign: -1,
    jumpMean: 0.03,
    jumpSd: 0.015,
    weight: 2,
    headline: ({ company, rng }) =>
      `${company.name} to buy rival in $${uniformInt(rng, 2, 30)} billion deal`,
  },
  {
    kind: 'product_recall',
    scope: 'company',
    sign: -1,
    jumpMean: 0.04,
    jumpSd: 0.015,
    weight: 3,
    headline: ({ company, rng }) =>
      `${company.name} recalls ${uniformInt(rng, 10, 900)},000 units over safety defect`,
  },
  {
    kind: 'lawsuit',
    scope: 'company',
    sign: -1,
    jumpMean: 0.03,
    jumpSd: 0.012,
    weight: 3,
    headline: ({ company, rng }) =>
      pick(rng, [
        `${company.name} hit with class action over misleading statements`,
        `Jury orders ${company.name} to pay $${uniformInt(rng, 100, 2000)} million in patent case`,
      ]),
  },
  {
    kind: 'executive_exit',
    scope: 'company',
    sign: -1,
    jumpMean: 0.035,
    jumpSd: 0.015,
    weight: 3,
    headline: ({ company, rng }) =>
      `${company.name} ${pick(rng, ROLES)} resigns unexpectedly, effective immediately`,
  },
  {
    kind: 'buyback',
    scope: 'company',
    sign: 1,
    jumpMean: 0.025,
    jumpSd: 0.01,
    weight: 4,
    headline: ({ company, rng }) =>
      `${company.name} announces $${uniformInt(rng, 1, 25)} billion share buyback`,
  },
  {
    kind: 'dividend_cut',
    scope: 'company',
    sign: -1,
    jumpMean: 0.06,
    jumpSd: 0.02,
    weight: 2,
    headline: ({ company, rng }) =>
      `${company.name} cuts quarterly dividend by ${uniformInt(rng, 25, 75)}% to preserve cash`,
  },
  {
    kind: 'sector_regulation',
    scope: 'sector',
    sign: -1,
    jumpMean: 0.03,
    jumpSd: 0.01,
    weight: 2,
    headline: ({ sector, rng }) =>
      `Regulators propose ${pick(rng, ['tougher capital rules', 'new price controls', 'a windfall tax', 'stricter licensing'])} for ${SECTOR_NAMES[sector]} companies`,
  },
  {
    kind: 'macro_shock',
    scope: 'market',
    sign: 'either',
    jumpMean: 0.025,
    jumpSd: 0.01,
    weight: 1.2,
    headline: ({ sign, rng }) =>
      sign < 0
        ? pick(rng, [
            'Fed unexpectedly raises rates by 50 basis points',
            'Inflation surges to 6.1%, far above forecasts',
            'Major bank failure rattles credit markets',
          ])
        : pick(rng, [
            'Fed signals rate cuts sooner than expected',
            'Inflation cools sharply, bond yields tumble',
            'Trade deal reached, tariffs to be lifted',
          ]),
    body: () => 'Futures moved sharply across asset classes as traders repriced the outlook.',
  },
  {
    kind: 'neutral_company',
    scope: 'company',
    sign: 0,
    jumpMean: 0,
    jumpSd: 0,
    weight: 18,
    headline: ({ company, rng }) =>
      pick(rng, [
        `${company.name} to present at ${pick(rng, ['an industry', 'an investor', 'a broker'])} conference next week`,
        `${company.name} schedules ${quarter(rng)} earnings call`,
        `${company.name} names new independent director`,
        `${company.symbol} reaffirms previously issued guidance`,
        `${company.name} opens new office in ${pick(rng, ['Austin', 'Dublin', 'Singapore', 'Toronto'])}`,
      ]),
  },
  {
    kind: 'neutral_market',
    scope: 'market',
    sign: 0,
    jumpMean: 0,
    jumpSd: 0,
    weight: 6,
    headline: ({ rng }) =>
      pick(rng, [
        'Stocks open little changed ahead of jobs data',
        'Treasury auction draws average demand',
        'Oil steady as traders await inventory figures',
        'Dollar flat against major currencies in quiet trading',
      ]),
  },
];
