import {
  ChatTemplate,
  PLAIN_CHAT_TEMPLATE,
  type ChatMessage,
} from '@risk/lm-runtime/chat/chat-template';
import {
  IMPACT_TEXT,
  IMPACTS,
  SYSTEM_PROMPT,
  formatBook,
  formatPosition,
  type BookHolding,
  type Exposure,
  type Impact,
} from '../model';

/** The system prompt's words; the shipped model's template writes them as `SYSTEM_PROMPT`. */
export const SYSTEM_INSTRUCTION = SYSTEM_PROMPT.replace(/^System: /, '').replace(/\n$/, '');

/** Where the model's answer starts, and where the judgement is read. */
export const ANSWER_CUE = 'Reasoning:';
export const IMPACT_CUE = 'Impact:';

/** One item of a portfolio's log: a news item or a large move, and the judgement read on it. */
export interface LogItem {
  headline: string;
  /** The body (and retrieved facts) as the decoder read them; empty when not known. */
  body: string;
  exposure: Exposure;
  /** The chain of thought as shown (grounded); empty when none was generated. */
  chainOfThought: string;
  impact: Impact;
}

/** The user message of an item: the news and the position it is judged for. */
export function itemMessage(headline: string, body: string, exposure: Exposure): ChatMessage {
  return {
    role: 'user',
    content: `News: ${headline}. ${body}\nPosition: ${formatPosition(exposure)}.`,
  };
}

/** The assistant's answer as far as it goes: the cue, the reasoning, and the judgement's cue. */
export function answerMessage(
  chainOfThought: string | null,
  judgement?: Impact | 'open',
): ChatMessage {
  let content = chainOfThought ? `${ANSWER_CUE} ${chainOfThought}` : ANSWER_CUE;
  if (judgement !== undefined) {
    // The judgement follows the reasoning even when no reasoning was generated (` \nImpact:`).
    if (!chainOfThought) content += ' ';
    content += `\n${IMPACT_CUE}`;
    if (judgement !== 'open') content += ` ${IMPACT_TEXT[judgement]}`;
  }
  return { role: 'assistant', content };
}

/** The brief's words: the book as the snapshot line states it (no trailing line break). */
export function briefText(
  book: { holdings: readonly BookHolding[]; grossPct: number } | undefined,
): string {
  return book ? formatBook(book.holdings, book.grossPct).replace(/\n$/, '') : '';
}

/**
 * The reasoner's conversation in a model's own chat template: the system message (the shared
 * instruction, then the portfolio's brief), one user/assistant turn per logged item, and the
 * item being judged as an open assistant turn. The shipped model's plain template writes
 * exactly the text it was trained on (`System: …\nBook: …\nNews: …\nReasoning: …\nImpact: …`).
 */
export class ReasonerFormat {
  private readonly system: ChatMessage;
  /** The four impact options as continuations after `Impact:`, closed by the end of turn. */
  readonly options: readonly { impact: Impact; text: string }[];
  /** Text that ends the model's turn (a stop for generation), or null when it is a line break. */
  readonly endOfTurn: string | null;

  /**
   * `instruction`: the system prompt's words (the shipped model knows only its own).
   * `shareSystem` false puts the whole system message in each portfolio's own part: what a
   * context costs without the shared prefix (bench:models).
   */
  constructor(
    readonly template: ChatTemplate = new ChatTemplate(PLAIN_CHAT_TEMPLATE),
    private readonly instruction = SYSTEM_INSTRUCTION,
    private readonly shareSystem = true,
  ) {
    this.system = { role: 'system', content: instruction };
    const end = template.turnEnd;
    // `<|im_end|>\n` → `<|im_end|>`: the option ends with the turn; a bare `\n` stays.
    const close = end.trimEnd().length > 0 ? end.trimEnd() : end;
    this.endOfTurn = end.trim().length > 0 ? end.trim() : null;
    this.options = IMPACTS.map((impact) => ({ impact, text: ` ${IMPACT_TEXT[impact]}${close}` }));
  }

  /** The shared system part (every portfolio's, K/V computed once) and the brief's part. */
  systemParts(brief: string): { system: string; snapshot: string } {
    const { shared, rest } = this.template.splitSystem(this.instruction, brief);
    return this.shareSystem
      ? { system: shared, snapshot: rest }
      : { system: '', snapshot: shared + rest };
  }

  /** A logged item as it follows the system message. */
  logText(item: LogItem): string {
    return this.template.turnAfter(this.system, [
      itemMessage(item.headline, item.body, item.exposure),
      answerMessage(item.chainOfThought, item.impact),
    ]);
  }

  /** The item being judged, its answer open after `reasoning` (null: right after the cue). */
  openText(user: ChatMessage, reasoning: string | null, judgement?: 'open'): string {
    return this.template.turnAfter(this.system, [user, answerMessage(reasoning, judgement)], true);
  }
}
