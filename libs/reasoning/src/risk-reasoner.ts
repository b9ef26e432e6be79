import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  END_OF_ANSWER,
  IMPACT_OPTIONS,
  IMPACTS,
  eventKindNamedIn,
  formatPrompt,
  groundChainOfThought,
  type Exposure,
  type GroundingResult,
  type Impact,
  type Severity,
} from './model';
import { ReasoningEngine } from './reasoning.engine';

/** What the reasoner is told about one news item and the portfolio's exposure to it. */
export interface NewsInput {
  headline: string;
  body?: string;
  exposure: Exposure;
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
 * The risk reasoner in the service: each portfolio's context is the run of news prompts (and
 * the judgements read from them) it has seen, kept in the engine's K/V cache, so a new item
 * costs only its own tokens. The model's sliding window bounds what it attends to; when the
 * context reaches the model's position limit it starts again from the new item.
 */
export class RiskReasoner {
  private readonly events = new Map<string, string[]>();

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

  async judge(portfolioId: string, input: NewsInput): Promise<NewsJudgement> {
    const started = performance.now();
    const prompt = formatPrompt(input.headline, input.body ?? '', input.exposure);
    let events = [...(this.events.get(portfolioId) ?? []), prompt];
    const limit = this.engine.spec.maxPositions - this.opts.maxReasoningTokens - 16;
    if (this.engine.encode(events.join('')).length > limit) events = [prompt];
    const ctx = await this.engine.setContext(portfolioId, { system: '', snapshot: '', events });
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

    let rawChainOfThought: string | null = null;
    let grounded: GroundingResult | null = null;
    let severity: Severity | null = null;
    if (this.opts.generate) {
      const gen = await this.engine.generate(portfolioId, {
        prompt: best.text,
        maxTokens: this.opts.maxReasoningTokens,
        stop: [END_OF_ANSWER],
      });
      const m = /Severity:\s*(none|small|moderate|large)/.exec(gen.text);
      severity = m ? (m[1] as Severity) : null;
      const reasoning = /Reasoning:\s*([\s\S]*)$/.exec(gen.text);
      rawChainOfThought = (reasoning ? reasoning[1] : gen.text).replace(END_OF_ANSWER, '').trim();
      grounded = groundChainOfThought(rawChainOfThought, {
        side: input.exposure.side,
        quantity: input.exposure.quantity,
        price: input.exposure.price,
        sharePct: input.exposure.sharePct,
        typicalMovePct: eventKindNamedIn(rawChainOfThought)?.typicalMovePct,
      });
    }
    // The judgement read becomes part of the context the next item sees.
    this.events.set(portfolioId, [...events.slice(0, -1), `${prompt}${best.text}`]);
    return {
      probabilities,
      impact: best.impact,
      severity,
      rawChainOfThought,
      grounded,
      timings: {
        cachedTokens: ctx.timings.cachedTokens,
        newTokens: ctx.timings.newTokens + scored.timings.newTokens,
        reasoningMs: Math.round((performance.now() - started) * 1000) / 1000,
      },
    };
  }

  forget(portfolioId: string): void {
    this.events.delete(portfolioId);
    this.engine.forget(portfolioId);
  }
}
