/**
 * A small rule layer beside the encoder: counts of financial polarity words and cues of denial,
 * reversal and rumour, appended to the embedding before the heads. MiniLM places "raises
 * forecast" and "cuts forecast" at cosine 0.95; these words tell them apart, and the heads learn
 * how much to trust each (measured in model:train-news and model:eval, with and without).
 */
const NEGATIVE = [
  'plung', 'tumbl', 'slump', 'sink', 'sank', 'slid', 'slide', 'fall', 'fell', 'drop', 'low',
  'cut', 'slash', 'trim', 'lower', 'miss', 'short of', 'below', 'weak', 'loss', 'disappoint',
  'warn', 'probe', 'investigat', 'inquiry', 'subpoena', 'raid', 'charg', 'fraud', 'indict',
  'arrest', 'accus', 'alleg', 'sue', 'suit', 'lawsuit', 'liable', 'verdict', 'damages', 'fine',
  'recall', 'breach', 'hack', 'ransomware', 'cyber', 'restat', 'bankrupt', 'chapter 11',
  'default', 'insolven', 'going concern', 'going-concern', 'doubt', 'run on', 'withdraw',
  'delay', 'halt', 'suspend', 'strike', 'fire', 'explosion', 'outage', 'resign', 'quit',
  'depart', 'oust', 'steps down', 'downgrad', 'underweight', 'to sell', 'offering', 'dilut',
  'discount', 'reject', 'fail', 'terminat', 'block', 'collaps', 'crash', 'tariff', 'tax',
  'ban', 'crater', 'hit', 'batter', 'hammer', 'drag', 'weigh', 'squeez', 'slow', 'shortfall',
  'loses', 'lost', 'crisis', 'plummet', 'slides', 'eliminat', 'halves', 'worse', 'worst',
  'pricey', 'costly', 'expensive', 'complete response', 'clinical hold', 'futility', 'seize',
  'receiver', 'lenders take', 'grounds', 'stranded', 'shut', 'idled', 'destroy', 'deaths',
]; // prettier-ignore
const POSITIVE = [
  'beat', 'tops', 'topped', 'above', 'ahead', 'record', 'surge', 'soar', 'jump', 'rally',
  'rebound', 'recover', 'climb', 'rise', 'rising', 'gain', 'raise', 'lift', 'boost', 'upgrad',
  'outperform', 'overweight', 'to buy', 'wins', 'won', 'award', 'signs', 'select', 'approv',
  'clear', 'succeed', 'meets', 'positive', 'acquired by', 'takeover by', 'buyout', 'premium',
  'buyback', 'buy back', 'repurchase', 'special dividend', 'join', 'added to', 'dismiss',
  'resum', 'restart', 'rescue', 'emerge', 'strong', 'better', 'blowout', 'crush', 'leap',
  'rocket', 'spike', 'double', 'triple', 'hike', 'increas', 'bumper', 'reinstat', 'overturn',
  'tosses', 'throws out', 'sides with', 'ends', 'end ', 'drops', 'dropped', 'no charges',
  'no penalty', 'no fine', 'no action', 'without', 'bounce', 'back from',
]; // prettier-ignore
const DENIAL =
  /\b(den(?:y|ies|ied)|rejects? (?:claims|report|allegations)|refutes?|dismiss(?:es)? (?:report|claims|allegations|short)|no evidence|not aware|unfounded|baseless|(?:categorically )?false|inaccurate|no plans?|not in (?:merger )?talks|not considering|no exposure|unaffected|normally|stable|steady|as planned|on track|continues? as planned|has not|no safety|no customers|no wrongdoing|no recall|no unusual|ample liquidity|reaffirms?|affirms?)\b/i;
const REVERSAL =
  /\b(recover(?:s|ed)?|rebound(?:s|ed)?|bounces? back|bounce|back from|climbs? back|ends?|ended|drops? (?:fraud )?charges|dropped|closes? (?:probe|investigation|inquiry)|concludes|cleared|dismiss(?:al|ed|es)|tosses|overturn|resum(?:es|ed)|restarts?|emerges?|rescued?|averting|secures? (?:emergency|backstop))\b/i;
const RUMOUR =
  /\b(reportedly|rumou?rs?|speculation|chatter|sources?|people familiar|said to|in talks|explor(?:es|ing)|weigh(?:s|ing) a sale|considering)\b/i;
const SEVERE =
  /\b(bankrupt\w*|chapter 11|insolven\w*|default\w*|going[- ]concern|fraud\w*|indict\w*|arrest\w*|run on|deposit run|withdraw \$|seize\w*|receiver|fails?|failed|rejects?|complete response|clinical hold|futility|administration|creditor protection|survive)\b/i;

export const CUE_FEATURES = ['negative', 'positive', 'denial', 'reversal', 'rumour', 'severe'];

function count(text: string, stems: readonly string[]): number {
  let n = 0;
  for (const s of stems) if (text.includes(s)) n++;
  return n;
}

/** The cue features of a text, each in [0, 1]. */
export function cueFeatures(text: string): number[] {
  const t = ` ${text.toLowerCase()} `;
  return [
    Math.min(1, count(t, NEGATIVE) / 3),
    Math.min(1, count(t, POSITIVE) / 3),
    DENIAL.test(t) ? 1 : 0,
    REVERSAL.test(t) ? 1 : 0,
    RUMOUR.test(t) ? 1 : 0,
    SEVERE.test(t) ? 1 : 0,
  ];
}

/** What the heads read: the embedding, then the cues (or only the embedding). */
export function headInput(embedding: ArrayLike<number>, text: string, cues: boolean): number[] {
  const x = Array.from(embedding);
  return cues ? [...x, ...cueFeatures(text)] : x;
}
