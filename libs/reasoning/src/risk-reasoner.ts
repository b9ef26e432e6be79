import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyedSerial, ReasoningEngine, withStepPriority } from '@risk/lm-runtime';
import { loadChatTemplate } from '@risk/lm-runtime/chat/chat-template';
import { layoutContext } from './context/context-layout';
import { ReasonerFormat, briefText, itemMessage, type LogItem } from './context/reasoner-format';
import {
  IMPACTS,
  STEP_STOPS,
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
  timings: {
    cachedTokens: number;
    /** Tokens of the context the judgement started from (the item's prompt included). */
    contextTokens?: number;
    newTokens: number;
    reasoningMs: number;
  };
}

export interface RiskReasonerOptions {
  /** Generate the chain of thought (greedy) after scoring; off: probabilities only. */
  generate: boolean;
  maxReasoningTokens: number;
  /**
   * Longest context in tokens (system prefix, brief, log, item and its room). Default: the
   * model's positions; a local-global (sliding-window) model may be given more, since its cache
   * holds only the attention sinks and the window whatever the context's length.
   */
  contextTokens?: number;
}

/** How many times its positions a local-global model's context may hold by default. */
export const LOCAL_GLOBAL_CONTEXT_FACTOR = 8;

/** A logged item as it stands in the context: its text and its token count. */
interface LoggedItem {
  readonly item: LogItem;
  readonly text: string;
  readonly tokens: number;
}

/**
 * The risk reasoner in the service. Each portfolio's context, in the model's own chat template
 * (`ReasonerFormat`): the system prefix (the same for every portfolio, its K/V computed once),
 * the portfolio's brief (re-encoded only when its text changes), and the log of items it has
 * seen (news and large moves, each with the reasoning and the judgement read from it), appended
 * as they come, kept in the engine's K/V cache so a new item costs only its own tokens. When the
 * log outgrows the context (`layoutContext`) its oldest items leave and the sinks stay.
 */
export class RiskReasoner {
  private readonly logs = new Map<string, LoggedItem[]>();
  /** One judgement at a time per portfolio: each extends the context the next one starts from. */
  private readonly serial = new KeyedSerial();

  constructor(
    readonly engine: ReasoningEngine,
    readonly modelId: string,
    private readonly opts: RiskReasonerOptions,
    readonly format: ReasonerFormat = new ReasonerFormat(),
  ) {}

  /** Opens a model folder; `name@version` comes from its config.json, the format from its template. */
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
    const template = await loadChatTemplate(dir);
    return new RiskReasoner(
      engine,
      `${name}${quant}@${cfg.risk_model_version ?? '0'}`,
      opts,
      template ? new ReasonerFormat(template) : undefined,
    );
  }

  /**
   * Longest context in tokens: as set, else the model's positions, or for a local-global model
   * LOCAL_GLOBAL_CONTEXT_FACTOR times them (its cache holds only the sinks and the window, and
   * a token's attention reaches no further back than the window, so a longer log costs no
   * compute per item and keeps the context's prefix, and with it the cache, for longer).
   */
  get contextLimit(): number {
    const spec = this.engine.spec;
    return (
      this.opts.contextTokens ??
      (spec.slidingWindow ? LOCAL_GLOBAL_CONTEXT_FACTOR * spec.maxPositions : spec.maxPositions)
    );
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
    const body = decoderBody(input.body, input.facts);
    const user = itemMessage(input.headline, body, input.exposure);
    const { system, snapshot } = this.format.systemParts(briefText(input.book));
    const opened = this.format.openText(user, null);
    const log = this.layout(portfolioId, system + snapshot, opened);
    const before = log.map((l) => l.text);
    let cachedTokens = -1;
    let contextTokens = 0;
    let newTokens = 0;
    const setContext = async (text: string) => {
      const r = await this.engine.setContext(portfolioId, {
        system,
        snapshot,
        events: [...before, text],
      });
      if (cachedTokens < 0) {
        cachedTokens = r.timings.cachedTokens;
        contextTokens = r.contextTokens;
      }
      newTokens += r.timings.newTokens;
    };
    const stop = [...STEP_STOPS, ...(this.format.endOfTurn ? [this.format.endOfTurn] : [])];
    let reasoning: GroundedReasoning | null = null;
    if (this.opts.generate) {
      // reasonGrounded extends the opened text by the grounded steps: the open answer's reasoning.
      reasoning = await reasonGrounded(opened, input.exposure, async (context) => {
        const steps = context.slice(opened.length).trim();
        await setContext(steps ? this.format.openText(user, steps) : opened);
        const g = await this.engine.generate(portfolioId, {
          maxTokens: this.opts.maxReasoningTokens,
          stop,
        });
        newTokens += g.tokens.length;
        return g.tokens.length > 0 ? this.engine.tokenizer.decode([...g.tokens]) : '';
      });
    }
    const chainOfThought = reasoning?.text ?? '';
    await setContext(this.format.openText(user, chainOfThought || null, 'open'));
    const options = this.format.options;
    const scored = await this.engine.scoreOptions(
      portfolioId,
      options.map((o) => o.text),
    );
    const probabilities = Object.fromEntries(IMPACTS.map((impact) => [impact, 0])) as Record<
      Impact,
      number
    >;
    options.forEach((o, i) => (probabilities[o.impact] = scored.probabilities[i]));
    const best = options[scored.probabilities.indexOf(Math.max(...scored.probabilities))];
    // The item, its reasoning and the judgement read become context for the next item.
    this.append(portfolioId, {
      headline: input.headline,
      body,
      exposure: input.exposure,
      chainOfThought,
      impact: best.impact,
    });
    return {
      probabilities,
      impact: best.impact,
      severity: null,
      rawChainOfThought: reasoning ? reasoning.raw.join(' ') : null,
      grounded: reasoning ? { text: reasoning.text, figures: [], counts: reasoning.counts } : null,
      timings: {
        cachedTokens: Math.max(0, cachedTokens),
        contextTokens,
        newTokens: newTokens + scored.timings.newTokens,
        reasoningMs: Math.round((performance.now() - started) * 1000) / 1000,
      },
    };
  }

  /** The portfolio's log as it fits beside the sinks and this item; the items cut leave it. */
  private layout(portfolioId: string, sinks: string, opened: string): LoggedItem[] {
    const log = this.logs.get(portfolioId) ?? [];
    const { firstKept } = layoutContext({
      fixedTokens: this.engine.encode(sinks).length,
      logTokens: log.map((l) => l.tokens),
      itemTokens: this.engine.encode(opened).length + 4 * this.opts.maxReasoningTokens,
      limit: this.contextLimit,
    });
    const kept = firstKept > 0 ? log.slice(firstKept) : log;
    if (firstKept > 0) this.logs.set(portfolioId, kept);
    return kept;
  }

  private append(portfolioId: string, item: LogItem): void {
    const text = this.format.logText(item);
    const log = this.logs.get(portfolioId) ?? [];
    this.logs.set(portfolioId, [...log, { item, text, tokens: this.engine.encode(text).length }]);
  }

  /** The portfolio's logged items, oldest first (what a rebuild restores). */
  logOf(portfolioId: string): readonly LogItem[] {
    return (this.logs.get(portfolioId) ?? []).map((l) => l.item);
  }

  /**
   * Puts back a portfolio's log (after a restart or a rebalance, from what PostgreSQL holds),
   * unless it already has one. The K/V is computed on its next judgement, or now with `warm`.
   * Returns the tokens of the context it restored.
   */
  async restore(
    portfolioId: string,
    items: readonly LogItem[],
    opts: { warm?: boolean; book?: NewsInput['book'] } = {},
  ): Promise<number> {
    return this.serial.run(portfolioId, async () => {
      if ((this.logs.get(portfolioId)?.length ?? 0) > 0 || items.length === 0) return 0;
      for (const item of items) this.append(portfolioId, item);
      const { system, snapshot } = this.format.systemParts(briefText(opts.book));
      const log = this.layout(portfolioId, system + snapshot, '');
      if (!opts.warm) return 0;
      const r = await this.engine.setContext(portfolioId, {
        system,
        snapshot,
        events: log.map((l) => l.text),
      });
      return r.contextTokens;
    });
  }

  /**
   * Drops the portfolio's log and K/V now, and again after a judgement already under way for it
   * (which would otherwise leave its item behind); a later judgement starts afresh.
   */
  forget(portfolioId: string): void {
    const drop = () => {
      this.logs.delete(portfolioId);
      this.engine.forget(portfolioId);
    };
    drop();
    void this.serial.run(portfolioId, async () => drop()).catch(() => undefined);
  }
}
