import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyedSerial, ReasoningEngine, withStepPriority } from '@risk/lm-runtime';
import {
  IMPACT_OPTIONS,
  IMPACTS,
  STEP_STOPS,
  SYSTEM_PROMPT,
  formatBook,
  formatPrompt,
  judgementContext,
  reasonGrounded,
  type BookHolding,
  type Exposure,
  type GroundedReasoning,
  type GroundingResult,
  type Impact,
  type Severity,
} from './model';

/** What the reasoner is told about one news item and the portfolio's exposure to it. */
export interface NewsInput {
  headline: string;
  body?: string;
  exposure: Exposure;
  /**
   * The book as the context's snapshot line states it (largest holdings, gross exposure); the
   * snapshot part of the cached context changes only when these do.
   */
  book?: { holdings: readonly BookHolding[]; grossPct: number };
  /**
   * Retrieved facts (the news understanding's nearest known events), stated after the body so
   * the chain of thought works from them.
   */
  facts?: readonly string[];
}

/** The decoder reads the body's start (the encoder reads all of it, in chunks): whole characters. */
const DECODER_BODY_CHARS = 600;

function decoderBody(body: string | undefined, facts: readonly string[] | undefined): string {
  let text = body ?? '';
  if (text.length > DECODER_BODY_CHARS) {
    const chars = Array.from(text);
    text = chars.length > DECODER_BODY_CHARS ? chars.slice(0, DECODER_BODY_CHARS).join('') : text;
  }
  return [text, ...(facts ?? [])].filter((s) => s.length > 0).join(' ');
}

export interface NewsJudgement {
  /** Probability of each impact, from constrained scoring of the four options (sums to 1). */
  probabilities: Record<Impact, number>;
  impact: Impact;
  severity: Severity | null;
  /** The chain of thought as generated, before the figure check (null when not generated). */
  rawChainOfThought: string | null;
  /** The chain of thought as it may be shown: figures checked against the inputs. */
  grounded: GroundingResult | null;
  timings: { cachedTokens: number; newTokens: number; reasoningMs: number };
}

export interface RiskReasonerOptions {
  /** Generate the chain of thought (greedy) after scoring; off: probabilities only. */
  generate: boolean;
  maxReasoningTokens: number;
}

/**
 * The risk reasoner in the service: each portfolio's context is the system prompt, the book's
 * snapshot line and the run of items (news prompts, their reasoning and the judgements read from
 * them) it has seen, kept in the engine's K/V cache, so a new item costs only its own tokens
 * (the system prompt's K/V is shared by every portfolio). The model's sliding window bounds what
 * it attends to; when the context reaches the model's position limit the earlier items go.
 */
export class RiskReasoner {
  private readonly events = new Map<string, string[]>();
  /** One judgement at a time per portfolio: each extends the context the next one starts from. */
  private readonly serial = new KeyedSerial();

  constructor(
    readonly engine: ReasoningEngine,
    readonly modelId: string,
    private readonly opts: RiskReasonerOptions,
  ) {}

  /** Opens a model folder; `name@version` comes from its config.json. */
  static async open(
    dir: string,
    engine: ReasoningEngine,
    opts: RiskReasonerOptions,
  ): Promise<RiskReasoner> {
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
      risk_model_name?: string;
      risk_model_version?: string;
      risk_quantization?: string;
    };
    const name = cfg.risk_model_name ?? 'decoder';
    const quant =
      cfg.risk_quantization && cfg.risk_quantization !== 'none' ? `-${cfg.risk_quantization}` : '';
    return new RiskReasoner(engine, `${name}${quant}@${cfg.risk_model_version ?? '0'}`, opts);
  }

  /**
   * Judges one news item for one portfolio, the way the model was trained and evaluated
   * (docs/reasoning-model.md): the chain of thought is generated step by step, each step's
   * figures, side and ticker checked against the inputs before the model continues; then the four
   * impacts are scored after `Impact:`. The portfolio's earlier items stay in front as context, so
   * only this item's tokens are computed. Calls for one portfolio run one after another, in call
   * order (each starts from the context the previous one left); portfolios run side by side.
   * With `priority` > 0 its model steps go ahead of routine ones (`withStepPriority`).
   */
  judge(
    portfolioId: string,
    input: NewsInput,
    opts: { priority?: number } = {},
  ): Promise<NewsJudgement> {
    return withStepPriority(opts.priority ?? 0, () =>
      this.serial.run(portfolioId, () => this.judgeNow(portfolioId, input)),
    );
  }

  private async judgeNow(portfolioId: string, input: NewsInput): Promise<NewsJudgement> {
    const started = performance.now();
    const prompt = formatPrompt(
      input.headline,
      decoderBody(input.body, input.facts),
      input.exposure,
    );
    const snapshot = input.book ? formatBook(input.book.holdings, input.book.grossPct) : '';
    let before = this.events.get(portfolioId) ?? [];
    const room = this.engine.spec.maxPositions - 4 * this.opts.maxReasoningTokens;
    if (this.engine.encode([SYSTEM_PROMPT, snapshot, ...before, prompt].join('')).length > room)
      before = [];
    let cachedTokens = -1;
    let newTokens = 0;
    const setContext = async (text: string) => {
      const r = await this.engine.setContext(portfolioId, {
        system: SYSTEM_PROMPT,
        snapshot,
        events: [...before, text],
      });
      if (cachedTokens < 0) cachedTokens = r.timings.cachedTokens;
      newTokens += r.timings.newTokens;
    };
    let reasoning: GroundedReasoning | null = null;
    if (this.opts.generate) {
      reasoning = await reasonGrounded(prompt, input.exposure, async (context) => {
        await setContext(context);
        const g = await this.engine.generate(portfolioId, {
          maxTokens: this.opts.maxReasoningTokens,
          stop: [...STEP_STOPS],
        });
        newTokens += g.tokens.length;
        return g.tokens.length > 0 ? this.engine.tokenizer.decode([...g.tokens]) : '';
      });
    }
    const judged = judgementContext(prompt, reasoning?.text ?? '');
    await setContext(judged);
    const scored = await this.engine.scoreOptions(
      portfolioId,
      IMPACT_OPTIONS.map((o) => o.text),
    );
    const probabilities = Object.fromEntries(IMPACTS.map((impact) => [impact, 0])) as Record<
      Impact,
      number
    >;
    IMPACT_OPTIONS.forEach((o, i) => (probabilities[o.impact] = scored.probabilities[i]));
    const best = IMPACT_OPTIONS[scored.probabilities.indexOf(Math.max(...scored.probabilities))];
    // The item, its reasoning and the judgement read become context for the next item.
    this.events.set(portfolioId, [...before, `${judged}${best.text}`]);
    return {
      probabilities,
      impact: best.impact,
      severity: null,
      rawChainOfThought: reasoning ? reasoning.raw.join(' ') : null,
      grounded: reasoning ? { text: reasoning.text, figures: [], counts: reasoning.counts } : null,
      timings: {
        cachedTokens: Math.max(0, cachedTokens),
        newTokens: newTokens + scored.timings.newTokens,
        reasoningMs: Math.round((performance.now() - started) * 1000) / 1000,
      },
    };
  }

  forget(portfolioId: string): void {
    this.events.delete(portfolioId);
    this.engine.forget(portfolioId);
  }
}
