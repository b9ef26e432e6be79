/**
 * The news events the risk reasoner knows: how each usually moves the named stock, and several
 * wordings of each (headline and body templates). `{co}` is the company name, `{sym}` its ticker,
 * `{pct}` / `{amt}` / `{q}` are filler figures that are not portfolio figures.
 */

/** Usual move of the named stock: its sign and a typical size in percent. */
export type Direction = -1 | 0 | 1;

/** 0 routine, 1 mild, 2 moderate, 3 strong, 4 severe. */
export type Strength = 0 | 1 | 2 | 3 | 4;

export interface EventKind {
  id: string;
  direction: Direction;
  strength: Strength;
  /** Typical move of the stock in percent (the chain of thought states it). */
  typicalMovePct: number;
  /** How the chain of thought names the event: `{sym}` is replaced. */
  phrase: string;
  /** Why it moves the stock, for the chain of thought. */
  rationale: string;
  headlines: string[];
  bodies: string[];
}

export const EVENT_KINDS: readonly EventKind[] = [
  {
    id: 'earnings_beat',
    direction: 1,
    strength: 2,
    typicalMovePct: 5,
    phrase: 'earnings beat at {sym}',
    rationale: 'An earnings beat usually lifts the stock',
    headlines: [
      '{co} ({sym}) beats quarterly profit estimates',
      '{sym} tops forecasts as {co} posts record earnings',
      '{co} earnings come in well above expectations',
      'Strong quarter: {co} ({sym}) smashes analyst estimates',
      '{co} reports profit ahead of consensus, shares of {sym} rise',
    ],
    bodies: [
      'Earnings per share came in {pct}% above the consensus forecast.',
      'Revenue grew {pct}% from a year earlier to {amt} billion.',
      'Margins widened in every segment during the {q} quarter.',
    ],
  },
  {
    id: 'earnings_miss',
    direction: -1,
    strength: 2,
    typicalMovePct: 6,
    phrase: 'earnings miss at {sym}',
    rationale: 'An earnings miss usually pushes the stock down',
    headlines: [
      '{co} ({sym}) misses quarterly profit estimates',
      '{sym} falls short as {co} earnings disappoint',
      '{co} profit comes in below expectations',
      'Weak quarter: {co} ({sym}) lags analyst forecasts',
      '{co} reports earnings under consensus, {sym} slips',
    ],
    bodies: [
      'Earnings per share came in {pct}% below the consensus forecast.',
      'Revenue shrank {pct}% from a year earlier to {amt} billion.',
      'Costs rose faster than sales in the {q} quarter.',
    ],
  },
  {
    id: 'guidance_cut',
    direction: -1,
    strength: 3,
    typicalMovePct: 10,
    phrase: 'guidance cut at {sym}',
    rationale: 'A guidance cut usually sends the stock sharply lower',
    headlines: [
      '{co} ({sym}) cuts full-year outlook',
      '{sym} lowers guidance as demand weakens',
      '{co} slashes its annual forecast',
      '{co} warns on profit, trims {sym} sales outlook',
      'Outlook lowered: {co} ({sym}) sees weaker year ahead',
    ],
    bodies: [
      'The company now expects sales to fall {pct}% this year.',
      'Management blamed softer orders and said the {q} quarter would be weak.',
      'The new range sits {pct}% under the previous guidance.',
    ],
  },
  {
    id: 'guidance_raise',
    direction: 1,
    strength: 2,
    typicalMovePct: 5,
    phrase: 'guidance raise at {sym}',
    rationale: 'A raised outlook usually lifts the stock',
    headlines: [
      '{co} ({sym}) raises full-year outlook',
      '{sym} lifts guidance on strong demand',
      '{co} boosts its annual forecast',
      'Outlook raised: {co} ({sym}) sees a better year',
      '{co} ups sales guidance for {sym}',
    ],
    bodies: [
      'The company now expects sales to grow {pct}% this year.',
      'Management cited strong orders through the {q} quarter.',
      'The new range sits {pct}% above the previous guidance.',
    ],
  },
  {
    id: 'regulatory_probe',
    direction: -1,
    strength: 2,
    typicalMovePct: 6,
    phrase: 'regulatory probe into {sym}',
    rationale: 'A probe usually moves the stock down',
    headlines: [
      'Regulators open probe into {co} ({sym})',
      '{co} faces regulatory investigation',
      'Watchdog launches inquiry into {sym} sales practices',
      '{co} ({sym}) under investigation by market regulator',
      'Authorities examine {co} over compliance failures',
    ],
    bodies: [
      'The regulator said it is reviewing filings from the past {pct} months.',
      'The company said it is cooperating fully with the inquiry.',
      'A formal investigation could lead to fines of up to {amt} billion.',
    ],
  },
  {
    id: 'fraud_allegation',
    direction: -1,
    strength: 4,
    typicalMovePct: 25,
    phrase: 'fraud allegation against {sym}',
    rationale: 'A fraud allegation usually makes the stock collapse',
    headlines: [
      'Short seller accuses {co} ({sym}) of accounting fraud',
      '{co} hit by fraud allegations',
      'Report alleges {sym} inflated revenue for years',
      'Whistleblower claims fraud at {co} ({sym})',
      '{co} accused of fabricating sales figures',
    ],
    bodies: [
      'The report claims {pct}% of reported revenue does not exist.',
      'The company denied the claims and called them baseless.',
      'Auditors were asked to review {amt} billion of receivables.',
    ],
  },
  {
    id: 'rating_upgrade',
    direction: 1,
    strength: 1,
    typicalMovePct: 2,
    phrase: 'rating upgrade of {sym}',
    rationale: 'An upgrade usually nudges the stock up',
    headlines: [
      'Analysts upgrade {co} ({sym}) to buy',
      '{sym} upgraded on improving outlook',
      'Broker lifts {co} rating to outperform',
      '{co} ({sym}) gets upgrade from major bank',
      'Credit agency raises {co} rating',
    ],
    bodies: [
      'The new price target implies {pct}% upside.',
      'The analyst cited better cash flow in the {q} quarter.',
      'The upgrade follows {pct} months of steady execution.',
    ],
  },
  {
    id: 'rating_downgrade',
    direction: -1,
    strength: 1,
    typicalMovePct: 3,
    phrase: 'rating downgrade of {sym}',
    rationale: 'A downgrade usually nudges the stock down',
    headlines: [
      'Analysts downgrade {co} ({sym}) to sell',
      '{sym} downgraded on weaker outlook',
      'Broker cuts {co} rating to underperform',
      '{co} ({sym}) gets downgrade from major bank',
      'Credit agency lowers {co} rating',
    ],
    bodies: [
      'The new price target implies {pct}% downside.',
      'The analyst cited weaker cash flow in the {q} quarter.',
      'The downgrade follows {pct} months of missed targets.',
    ],
  },
  {
    id: 'ma_target',
    direction: 1,
    strength: 3,
    typicalMovePct: 20,
    phrase: 'takeover bid for {sym}',
    rationale: 'A takeover target usually jumps toward the offer price',
    headlines: [
      '{co} ({sym}) agrees to be acquired at a premium',
      'Rival bids for {co}, offering a {pct}% premium',
      '{sym} jumps on buyout offer',
      '{co} ({sym}) receives takeover approach',
      'Private equity firm to take {co} private',
    ],
    bodies: [
      'The offer values the company at {amt} billion including debt.',
      'The board said it would recommend the bid to shareholders.',
      'The premium is {pct}% over the last closing price.',
    ],
  },
  {
    id: 'ma_acquirer',
    direction: -1,
    strength: 1,
    typicalMovePct: 3,
    phrase: 'large acquisition by {sym}',
    rationale: 'An acquirer usually dips on the cost of the deal',
    headlines: [
      '{co} ({sym}) to buy rival in costly deal',
      '{sym} agrees to acquire competitor for {amt} billion',
      '{co} announces its largest acquisition',
      '{co} ({sym}) makes bid for smaller rival',
      '{co} to fund takeover with new debt',
    ],
    bodies: [
      'The deal will be paid for with cash and {amt} billion of new debt.',
      'Management expects savings of {pct}% within two years.',
      'The purchase price is {pct} times the target earnings.',
    ],
  },
  {
    id: 'product_recall',
    direction: -1,
    strength: 2,
    typicalMovePct: 5,
    phrase: 'product recall at {sym}',
    rationale: 'A recall usually moves the stock down',
    headlines: [
      '{co} ({sym}) recalls products over safety defect',
      '{sym} issues recall of flagship product',
      '{co} pulls product from shelves after complaints',
      'Safety recall hits {co} ({sym})',
      '{co} orders recall of {amt} million units',
    ],
    bodies: [
      'The recall covers units sold over the past {pct} months.',
      'The company expects a charge in the {q} quarter.',
      'Regulators said the defect could cause injuries.',
    ],
  },
  {
    id: 'lawsuit',
    direction: -1,
    strength: 1,
    typicalMovePct: 2,
    phrase: 'lawsuit against {sym}',
    rationale: 'A lawsuit usually weighs a little on the stock',
    headlines: [
      '{co} ({sym}) sued by customers',
      '{sym} faces class action lawsuit',
      'Competitor files patent suit against {co}',
      '{co} ({sym}) hit with lawsuit over contract',
      'Investors sue {co} over disclosures',
    ],
    bodies: [
      'The plaintiffs seek damages of {amt} billion.',
      'The company said the claims are without merit.',
      'A hearing is set for the {q} quarter.',
    ],
  },
  {
    id: 'macro_shock',
    direction: -1,
    strength: 2,
    typicalMovePct: 7,
    phrase: 'macro shock hitting {sym}',
    rationale: 'A macro shock usually drags the stock down',
    headlines: [
      'Surprise rate hike rattles markets; {co} ({sym}) among hardest hit',
      'Oil price spike hits {sym} and its sector',
      'Currency crisis slams exporters including {co}',
      'Recession fears hit cyclical stocks like {co} ({sym})',
      'Trade war escalation weighs on {co} ({sym})',
    ],
    bodies: [
      'The benchmark index fell {pct}% in early trading.',
      'Economists now see growth slowing to {pct}% next year.',
      'Analysts expect the sector to cut spending in the {q} quarter.',
    ],
  },
  {
    id: 'executive_exit',
    direction: -1,
    strength: 1,
    typicalMovePct: 3,
    phrase: 'executive exit at {sym}',
    rationale: 'A sudden executive exit usually weighs on the stock',
    headlines: [
      '{co} ({sym}) chief executive steps down unexpectedly',
      '{sym} finance chief resigns',
      '{co} CEO departs with immediate effect',
      'Leadership shake-up at {co} ({sym})',
      '{co} announces abrupt exit of its chairman',
    ],
    bodies: [
      'The board has started a search for a successor.',
      'The executive had led the company for {pct} years.',
      'An interim chief will run the company through the {q} quarter.',
    ],
  },
  {
    id: 'buyback',
    direction: 1,
    strength: 1,
    typicalMovePct: 2,
    phrase: 'share buyback at {sym}',
    rationale: 'A buyback usually supports the stock',
    headlines: [
      '{co} ({sym}) announces share buyback',
      '{sym} to repurchase {amt} billion of stock',
      '{co} launches new buyback program',
      '{co} ({sym}) expands share repurchase plan',
      'Board approves buyback at {co}',
    ],
    bodies: [
      'The program covers about {pct}% of shares outstanding.',
      'Repurchases will start in the {q} quarter.',
      'The company has {amt} billion of cash on hand.',
    ],
  },
  {
    id: 'dividend_cut',
    direction: -1,
    strength: 2,
    typicalMovePct: 6,
    phrase: 'dividend cut at {sym}',
    rationale: 'A dividend cut usually moves the stock down',
    headlines: [
      '{co} ({sym}) cuts its dividend',
      '{sym} slashes payout to preserve cash',
      '{co} suspends dividend',
      'Dividend reduced at {co} ({sym})',
      '{co} halves quarterly payout',
    ],
    bodies: [
      'The payout falls {pct}% from the previous quarter.',
      'The company said it needs cash to reduce {amt} billion of debt.',
      'The cut takes effect from the {q} quarter.',
    ],
  },
  {
    id: 'dividend_raise',
    direction: 1,
    strength: 1,
    typicalMovePct: 2,
    phrase: 'dividend raise at {sym}',
    rationale: 'A higher dividend usually supports the stock',
    headlines: [
      '{co} ({sym}) raises its dividend',
      '{sym} lifts payout on strong cash flow',
      '{co} declares special dividend',
      'Dividend increased at {co} ({sym})',
      '{co} boosts quarterly payout',
    ],
    bodies: [
      'The payout rises {pct}% from the previous quarter.',
      'The company generated {amt} billion of free cash flow.',
      'The increase takes effect from the {q} quarter.',
    ],
  },
  {
    id: 'going_concern',
    direction: -1,
    strength: 4,
    typicalMovePct: 30,
    phrase: 'going-concern warning at {sym}',
    rationale: 'A solvency warning usually makes the stock collapse',
    headlines: [
      '{co} ({sym}) warns it may not survive',
      'Auditor raises going-concern doubt over {co}',
      '{sym} misses debt payment, bankruptcy feared',
      '{co} ({sym}) hires advisers for possible restructuring',
      '{co} runs short of cash, warns of default',
    ],
    bodies: [
      'The company has {amt} billion of debt due within a year.',
      'Cash covers only {pct} weeks of operations.',
      'Lenders were asked to waive covenants for the {q} quarter.',
    ],
  },
  {
    id: 'contract_win',
    direction: 1,
    strength: 2,
    typicalMovePct: 4,
    phrase: 'major contract win for {sym}',
    rationale: 'A large contract usually lifts the stock',
    headlines: [
      '{co} ({sym}) wins major government contract',
      '{sym} lands multi-year supply deal',
      '{co} secures its largest order ever',
      '{co} ({sym}) awarded {amt} billion contract',
      'Big customer picks {co} as sole supplier',
    ],
    bodies: [
      'The contract runs for {pct} years.',
      'Deliveries begin in the {q} quarter.',
      'The order adds about {pct}% to annual sales.',
    ],
  },
  {
    id: 'data_breach',
    direction: -1,
    strength: 2,
    typicalMovePct: 4,
    phrase: 'data breach at {sym}',
    rationale: 'A data breach usually moves the stock down',
    headlines: [
      '{co} ({sym}) discloses major data breach',
      'Hackers steal customer data from {sym}',
      '{co} hit by cyberattack',
      'Cyber incident disrupts systems at {co} ({sym})',
      '{co} says millions of records exposed',
    ],
    bodies: [
      'About {amt} million customer records were exposed.',
      'Systems were offline for {pct} days.',
      'The company expects costs in the {q} quarter.',
    ],
  },
  {
    id: 'accounting_restatement',
    direction: -1,
    strength: 3,
    typicalMovePct: 12,
    phrase: 'accounting restatement at {sym}',
    rationale: 'A restatement usually sends the stock sharply lower',
    headlines: [
      '{co} ({sym}) to restate past results',
      '{sym} delays filing over accounting errors',
      '{co} finds errors in its books',
      '{co} ({sym}) restates {pct} years of earnings',
      'Accounting review forces {co} to revise results',
    ],
    bodies: [
      'Profits for the period will be cut by about {pct}%.',
      'The audit committee is reviewing {amt} billion of revenue.',
      'The delayed report is now due in the {q} quarter.',
    ],
  },
  {
    id: 'index_inclusion',
    direction: 1,
    strength: 1,
    typicalMovePct: 3,
    phrase: 'index inclusion of {sym}',
    rationale: 'Index inclusion usually brings buying that lifts the stock',
    headlines: [
      '{co} ({sym}) to join benchmark index',
      '{sym} added to major stock index',
      '{co} wins spot in leading index',
      'Index provider adds {co} ({sym})',
      '{co} promoted to blue-chip index',
    ],
    bodies: [
      'Index funds will need to buy about {pct}% of the shares.',
      'The change takes effect in the {q} quarter.',
      'Passive demand is estimated at {amt} billion.',
    ],
  },
  {
    id: 'sector_regulation',
    direction: -1,
    strength: 1,
    typicalMovePct: 3,
    phrase: 'new sector rules hitting {sym}',
    rationale: 'Tougher rules for a sector usually weigh on its stocks',
    headlines: [
      'Regulators propose tougher rules for the sector of {co} ({sym})',
      'New licensing rules weigh on {sym} and its peers',
      'Lawmakers plan a windfall tax on companies like {co}',
      'Price controls proposed for the industry of {co} ({sym})',
      'Stricter capital rules loom for {co} and its sector',
    ],
    bodies: [
      'The proposal could cut sector profits by {pct}%.',
      'A consultation runs until the {q} quarter.',
      'Industry groups estimate the cost at {amt} billion.',
    ],
  },
  {
    id: 'macro_relief',
    direction: 1,
    strength: 1,
    typicalMovePct: 3,
    phrase: 'macro relief lifting {sym}',
    rationale: 'Macro relief usually lifts the whole market',
    headlines: [
      'Central bank signals rate cuts; {co} ({sym}) rallies with the market',
      'Inflation cools sharply, lifting {sym} and the broad market',
      'Trade deal lifts tariffs; exporters such as {co} gain',
      'Bond yields tumble as growth fears ease, {co} ({sym}) higher',
      'Stimulus package boosts cyclical stocks like {co}',
    ],
    bodies: [
      'The benchmark index rose {pct}% in early trading.',
      'Economists now see growth picking up to {pct}% next year.',
      'Analysts expect demand to recover in the {q} quarter.',
    ],
  },
  {
    id: 'price_drop',
    direction: -1,
    strength: 2,
    typicalMovePct: 5,
    phrase: 'sharp fall in {sym}',
    rationale: 'A sharp fall marks the stock down',
    headlines: [
      '{sym} falls {pct}% in minutes',
      '{sym} drops {pct}% in minutes',
      '{sym} drops far beyond its usual range',
      'Sudden sell-off hits {co} ({sym})',
      '{co} shares tumble in fast trading',
    ],
    bodies: [
      'The move is {amt} standard deviations of its recent volatility.',
      'The stock is down {pct}% from its last close.',
      'Volume is {amt} times the daily average.',
    ],
  },
  {
    id: 'price_jump',
    direction: 1,
    strength: 1,
    typicalMovePct: 5,
    phrase: 'sharp rise in {sym}',
    rationale: 'A sharp rise marks the stock up',
    headlines: [
      '{sym} jumps {pct}% in minutes',
      '{sym} rises {pct}% in minutes',
      '{sym} rises far beyond its usual range',
      'Sudden rally lifts {co} ({sym})',
      '{co} shares soar in fast trading',
    ],
    bodies: [
      'The move is {amt} standard deviations of its recent volatility.',
      'The stock is up {pct}% from its last close.',
      'Volume is {amt} times the daily average.',
    ],
  },
  {
    id: 'routine',
    direction: 0,
    strength: 0,
    typicalMovePct: 0,
    phrase: 'routine news from {sym}',
    rationale: 'Routine news rarely moves the stock',
    headlines: [
      '{co} ({sym}) sets date for annual meeting',
      '{sym} to present at industry conference',
      '{co} opens new regional office',
      '{co} ({sym}) names new head of investor relations',
      '{co} publishes sustainability report',
    ],
    bodies: [
      'The event takes place in the {q} quarter.',
      'The company did not change its outlook.',
      'No financial details were given.',
    ],
  },
];

export function eventKind(id: string): EventKind {
  const kind = EVENT_KINDS.find((k) => k.id === id);
  if (!kind) throw new Error(`unknown event kind ${id}`);
  return kind;
}

/** The kind whose phrase a chain of thought names in its `Event:` step, if any. */
export function eventKindNamedIn(chainOfThought: string): EventKind | undefined {
  const m = /Event:\s*([^.]*)/.exec(chainOfThought);
  if (!m) return undefined;
  const stated = m[1];
  // Longest prefix first: "takeover bid for" must not be read as a shorter phrase.
  const byLength = [...EVENT_KINDS].sort((a, b) => b.phrase.length - a.phrase.length);
  return byLength.find((k) => stated.startsWith(k.phrase.split('{sym}')[0]));
}
