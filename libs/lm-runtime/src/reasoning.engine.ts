import { performance } from 'node:perf_hooks';
import {
  compactBlock,
  CopyMeter,
  emptyBlock,
  KvBlock,
  selectSlots,
  truncateToPosition,
} from './kv/kv-block';
import { CachedContext, KvCacheManager, KvCacheStats, KvLease } from './kv/kv-cache.manager';
import { downloadKv, dropKv, holdKv, KvTransferMeter } from './kv/device-kv';
import { planReuse } from './kv/reuse-plan';
import { readModelSpec } from './formats/model-format';
import { kvBytesPerToken, ModelSpec } from './model-spec';
import type { ReasoningRuntimeConfig } from './reasoning.config';
import { ReasoningMetrics } from './reasoning.metrics';
import { BatchScheduler, type SubmitOptions } from './runtime/batch-scheduler';
import { KeyedSerial } from './runtime/keyed-serial';
import { DecoderBackend, openDecoderSession, SessionLogger } from './runtime/onnx-decoder.session';
import { argmax, optionLogProb, softmax } from './runtime/option-scoring';
import {
  packStep,
  pastReadInJs,
  RowResult,
  rowsCompatible,
  StepOutputs,
  StepRow,
  unpackRow,
} from './runtime/step-packing';
import { currentStepContext, withStepSignal } from './runtime/step-context';
import { chunkText } from './text-units';
import { loadTokenizer, TextTokenizer } from './tokenizer';

/** A context in three parts; the system prompt's K/V is shared by all contexts. */
export interface ContextParts {
  readonly system: string;
  readonly snapshot: string;
  readonly events: readonly string[];
}

export interface ReasoningTimings {
  /** Context tokens whose K/V came from the cache. */
  readonly cachedTokens: number;
  /** Tokens the model computed for this call. */
  readonly newTokens: number;
  readonly prefillMs: number;
  /** From the call until the first next-token distribution (or generated token) was ready. */
  readonly timeToFirstTokenMs: number;
  /** newTokens per second of prefill, or generated tokens per second of decoding. */
  readonly tokensPerSecond: number;
}

export interface ContextResult {
  readonly contextTokens: number;
  readonly timings: ReasoningTimings;
}

export interface OptionScores {
  readonly options: readonly string[];
  /** Softmax over the options' total log-probs; sums to 1. */
  readonly probabilities: readonly number[];
  readonly logProbs: readonly number[];
  readonly timings: ReasoningTimings;
}

export interface GenerateOptions {
  readonly maxTokens: number;
  /** Eos is not picked before this many tokens (as Hugging Face's min_new_tokens). */
  readonly minTokens?: number;
  readonly stop?: readonly string[];
  /** Text appended to the context for this generation only (not kept in the context's cache). */
  readonly prompt?: string;
  readonly onToken?: (token: number, textSoFar: string) => void;
}

export interface GenerateResult {
  readonly text: string;
  readonly tokens: readonly number[];
  readonly stoppedBy: 'eos' | 'stop' | 'maxTokens';
  readonly timings: ReasoningTimings;
}

export interface LongTextResult {
  readonly chunks: readonly { readonly text: string; readonly scores: OptionScores }[];
  /** The last chunk's scores, which saw every earlier chunk's judgement. */
  readonly final: OptionScores;
}

/** The runtime settings bar the session's (ReasoningRuntimeConfig), and where metrics go. */
export interface ReasoningEngineOptions extends Omit<ReasoningRuntimeConfig, 'session'> {
  readonly metrics?: ReasoningMetrics;
}

export class ReasoningError extends Error {
  override readonly name = 'ReasoningError';
  constructor(
    readonly code: 'NO_MODEL' | 'NO_CONTEXT' | 'EMPTY_OPTION' | 'CONTEXT_TOO_LONG',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A computed context held in hand, whether or not the cache could keep it. Whoever gets one
 * holds its block once (device-kv's holdKv) and lets go of it with dropKv after use.
 */
interface Materialized {
  readonly ctx: CachedContext;
  readonly timings: ReasoningTimings;
}

function hashTokens(tokens: readonly number[]): string {
  let h = 0x811c9dc5;
  for (const t of tokens) {
    h ^= t;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${tokens.length}:${h.toString(16)}`;
}

/**
 * The reasoning runtime: per-context K/V caches with longest-common-prefix reuse on top of a
 * shared system-prompt root, continuous batching of concurrent contexts (one session.run per
 * step), and constrained option scoring / greedy generation on branches that leave the cache
 * untouched.
 */
/**
 * Free slots a batch's own K/V buffer gets beyond its first step (models with `present_new`
 * outputs): the batch's next steps (generated tokens, scored options) write into them in place;
 * a batch that outgrows them is copied into a new buffer.
 */
const GROW_HEADROOM = 64;

/**
 * Slots a generation branch of a sliding-window model may hold beyond G + W - 1 before it is
 * trimmed, on the device-resident path: the graph masks keys outside the window by position
 * (keeping more is allowed), so the download + upload of a trim is paid once per this many
 * steps instead of every step. Stored contexts are always trimmed to G + W - 1.
 */
const WINDOW_SLACK = 64;

/** Steps a lower-priority step request waits before it counts one priority higher. */
const AGING_STEPS = 64;

// Priority and cancellation of the steps a call causes: runtime/step-context.ts.
export { withStepPriority, withStepSignal } from './runtime/step-context';

export class ReasoningEngine {
  readonly cache: KvCacheManager;
  /** K/V bytes copied in JS since start (padding, row split, rewind, window trim). */
  readonly copies: CopyMeter;
  /**
   * K/V bytes between host and device (on a device provider; on CPU only with the device path
   * forced on, as what a device would move), and live/disposed device K/V tensors.
   */
  readonly transfers: KvTransferMeter;
  /** Whether K/V stays as the session's tensors between steps (docs/reasoning.md § GPU). */
  readonly kvOnDevice: boolean;
  readonly metrics: ReasoningMetrics;
  private readonly scheduler: BatchScheduler<StepRow, RowResult>;
  private readonly contexts = new Map<string, number[]>();
  private readonly serial = new KeyedSerial();
  private readonly rootsInFlight = new Map<string, Promise<CachedContext>>();
  private readonly bytesPerToken: number;

  constructor(
    readonly spec: ModelSpec,
    private readonly backend: DecoderBackend,
    readonly tokenizer: TextTokenizer,
    private readonly options: ReasoningEngineOptions,
  ) {
    this.metrics = options.metrics ?? new ReasoningMetrics();
    const metrics = this.metrics;
    this.copies = new CopyMeter((bytes) => metrics.copied(bytes));
    this.kvOnDevice = backend.kvOnDevice ?? false;
    this.transfers = backend.transfers ?? new KvTransferMeter();
    this.transfers.observe((direction, bytes) => metrics.transferred(direction, bytes));
    this.cache = new KvCacheManager(options.budgetBytes, this.metrics, {
      retain: holdKv,
      release: dropKv,
    });
    this.metrics.bindStats(() => this.cache.stats());
    this.bytesPerToken = kvBytesPerToken(spec);
    this.scheduler = new BatchScheduler((rows) => this.runRows(rows), {
      maxBatch: options.maxBatch,
      maxWaitMs: options.maxWaitMs,
      compatible: rowsCompatible,
      // A running batch keeps its K/V buffer while its rows come back step after step.
      group: (row) => row.past.view?.state,
      strict: options.strictPriority ?? true,
      // Move steps still advance, one step in AGING_STEPS, under a flood of news steps.
      agingSteps: options.priorityAgingSteps ?? AGING_STEPS,
      // A step result nobody will take (its request was aborted) lets go of its K/V.
      discard: (r) => {
        if (r.block) dropKv(r.block);
      },
    });
  }

  /** Opens a model folder (model.onnx, config.json, tokenizer.json). */
  static async open(
    modelDir: string,
    config: ReasoningRuntimeConfig,
    deps: { metrics?: ReasoningMetrics; logger?: SessionLogger } = {},
  ): Promise<ReasoningEngine> {
    // config.json (Optimum, this project) or genai_config.json (onnxruntime-genai).
    const spec = await readModelSpec(modelDir);
    if (!spec) throw new ReasoningError('NO_MODEL', `${modelDir}/config.json not found`);
    const [tokenizer, backend] = await Promise.all([
      loadTokenizer(modelDir),
      openDecoderSession(modelDir, spec, config.session, deps.logger),
    ]);
    return new ReasoningEngine(spec, backend, tokenizer, {
      budgetBytes: config.budgetBytes,
      maxBatch: config.maxBatch,
      maxWaitMs: config.maxWaitMs,
      maxStepTokens: config.maxStepTokens,
      ...(config.strictPriority !== undefined ? { strictPriority: config.strictPriority } : {}),
      ...(config.priorityAgingSteps !== undefined
        ? { priorityAgingSteps: config.priorityAgingSteps }
        : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    });
  }

  get executionProvider(): string {
    return this.backend.executionProvider;
  }

  /** How the model's I/O was understood (exporter, attention, K/V type). */
  get layout(): DecoderBackend['layout'] {
    return this.backend.layout;
  }

  /** Batch sizes of every session.run so far. */
  get batchHistory(): readonly number[] {
    return this.scheduler.history;
  }

  stats(): KvCacheStats & {
    copiedBytes: number;
    deviceToHostBytes: number;
    hostToDeviceBytes: number;
  } {
    return {
      ...this.cache.stats(),
      copiedBytes: this.copies.bytes,
      deviceToHostBytes: this.transfers.deviceToHostBytes,
      hostToDeviceBytes: this.transfers.hostToDeviceBytes,
    };
  }

  /** Releases the session; later calls wait for the same release (a session is freed once). */
  close(): Promise<void> {
    this.closing ??= this.backend.release();
    return this.closing;
  }
  private closing?: Promise<void>;

  encode(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  /** The key's current context tokens (empty when none was set). */
  contextOf(key: string): readonly number[] {
    return this.contexts.get(key) ?? [];
  }

  /** Sets the key's context to exactly this text/tokens, reusing the cached prefix. */
  async prefill(key: string, input: string | readonly number[]): Promise<ContextResult> {
    return this.setTokens(key, this.toTokens(input));
  }

  /** Extends the key's context; only the new tokens are computed. */
  async append(key: string, input: string | readonly number[]): Promise<ContextResult> {
    return this.setTokens(key, [...this.contextOf(key), ...this.toTokens(input)]);
  }

  /**
   * Sets system + snapshot + events. Parts are tokenized separately so an unchanged part keeps its
   * tokens; the system prompt's K/V is computed once and is every context's starting point.
   */
  async setContext(key: string, parts: ContextParts): Promise<ContextResult> {
    const system = this.encode(parts.system);
    await this.ensureRoot(system);
    const target = [
      ...system,
      ...this.encode(parts.snapshot),
      ...parts.events.flatMap((e) => this.encode(e)),
    ];
    return this.setTokens(key, target);
  }

  /** Scores each option as a continuation of the context: softmax over summed token log-probs. */
  async scoreOptions(key: string, options: readonly string[]): Promise<OptionScores> {
    if (options.length === 0) throw new ReasoningError('EMPTY_OPTION', 'no options to score');
    const optionTokens = options.map((o) => {
      const t = this.encode(o);
      if (t.length === 0) throw new ReasoningError('EMPTY_OPTION', `option "${o}" has no tokens`);
      return t;
    });
    return this.withContext(key, async ({ ctx, timings }, started) => {
      const t0 = performance.now();
      const lastLogits = ctx.lastLogits as Float32Array;
      const start = ctx.tokens.length;
      // Option tokens run on a branch of the context; their K/V is dropped.
      const logProbs = await Promise.all(
        optionTokens.map(async (tokens) => {
          if (tokens.length === 1) return optionLogProb(lastLogits, new Float32Array(0), tokens);
          const head = tokens.slice(0, -1);
          const res = await this.scheduler.submit(
            {
              past: ctx.block,
              tokens: head,
              positions: head.map((_, i) => start + i),
              keepCache: false,
            },
            this.stepOptions(),
          );
          return optionLogProb(lastLogits, res.logits, tokens);
        }),
      );
      const scoringMs = performance.now() - t0;
      const newTokens = timings.newTokens + optionTokens.reduce((n, t) => n + t.length - 1, 0);
      const ms = performance.now() - started;
      return {
        options,
        probabilities: softmax(logProbs),
        logProbs,
        timings: {
          ...timings,
          newTokens,
          prefillMs: timings.prefillMs + scoringMs,
          timeToFirstTokenMs: ms,
          tokensPerSecond: ms > 0 ? (newTokens * 1000) / ms : 0,
        },
      };
    });
  }

  /** Greedy decoding from the context, token by token, on a branch that leaves the cache as is. */
  async generate(key: string, opts: GenerateOptions): Promise<GenerateResult> {
    const prompt = opts.prompt ? this.encode(opts.prompt) : [];
    return this.withContext(key, async ({ ctx, timings }, started) => {
      let block = ctx.block;
      // The branch's own blocks (not the context's) are let go of as the next one replaces them.
      const advance = (next: KvBlock): void => {
        if (block !== ctx.block) dropKv(block);
        block = next;
      };
      try {
        let logits = ctx.lastLogits as Float32Array;
        let pos = ctx.tokens.length;
        const tp = performance.now();
        if (prompt.length > 0) {
          const r = await this.compute(block, prompt, pos, this.windowSlack);
          advance(r.block);
          logits = r.lastLogits;
          pos += prompt.length;
        }
        const promptMs = performance.now() - tp;
        const out: number[] = [];
        let text = '';
        let stoppedBy: GenerateResult['stoppedBy'] = 'maxTokens';
        let firstAt = 0;
        const decodeStart = performance.now();
        while (out.length < opts.maxTokens) {
          // Like HF min_new_tokens: eos cannot end the text before minTokens.
          const next =
            out.length < (opts.minTokens ?? 0)
              ? argmax(logits, this.spec.eosTokenIds)
              : argmax(logits);
          if (this.spec.eosTokenIds.includes(next)) {
            stoppedBy = 'eos';
            break;
          }
          out.push(next);
          text = this.tokenizer.decode(out);
          if (out.length === 1) firstAt = performance.now();
          opts.onToken?.(next, text);
          const hit = (opts.stop ?? []).find((s) => s.length > 0 && text.includes(s));
          if (hit !== undefined) {
            text = text.slice(0, text.indexOf(hit));
            stoppedBy = 'stop';
            break;
          }
          // A model without a sliding window cannot go past its position table.
          if (
            out.length >= opts.maxTokens ||
            (!this.spec.slidingWindow && pos >= this.spec.maxPositions)
          ) {
            break;
          }
          const r = await this.compute(block, [next], pos++, this.windowSlack);
          advance(r.block);
          logits = r.lastLogits;
        }
        const decodeMs = performance.now() - decodeStart;
        return {
          text,
          tokens: out,
          stoppedBy,
          timings: {
            cachedTokens: timings.cachedTokens,
            newTokens: timings.newTokens + prompt.length + Math.max(0, out.length - 1),
            prefillMs: timings.prefillMs + promptMs,
            timeToFirstTokenMs: (out.length > 0 ? firstAt : performance.now()) - started,
            tokensPerSecond: decodeMs > 0 ? (out.length * 1000) / decodeMs : 0,
          },
        };
      } finally {
        if (block !== ctx.block) dropKv(block);
      }
    });
  }

  /**
   * Reasons over a text longer than the context: the text is split into paragraphs/sentences,
   * packed into chunks that fit beside system + snapshot + events, and each chunk is scored with
   * a one-line judgement of the previous chunks carried forward; the prefix stays cached.
   */
  async reasonOverLongText(
    key: string,
    parts: ContextParts,
    body: string,
    options: readonly string[],
    opts: {
      maxContextTokens?: number;
      carry?: (best: string, p: number, index: number) => string;
    } = {},
  ): Promise<LongTextResult> {
    const maxContext = Math.min(
      opts.maxContextTokens ?? this.spec.maxPositions,
      this.spec.maxPositions,
    );
    const carry =
      opts.carry ??
      ((best, p, i) => `\nJudgement after part ${i + 1}: ${best} (${p.toFixed(2)}).\n`);
    const fixed =
      this.encode(parts.system).length +
      this.encode(parts.snapshot).length +
      parts.events.reduce((n, e) => n + this.encode(e).length, 0);
    const carryTokens = this.encode(
      carry(
        options.reduce((a, b) => (a.length > b.length ? a : b)),
        1,
        999,
      ),
    ).length;
    const optionTokens = Math.max(...options.map((o) => this.encode(o).length));
    const room = maxContext - fixed - carryTokens - optionTokens;
    if (room < 8)
      throw new ReasoningError('CONTEXT_TOO_LONG', 'no room left for the text in the context');
    const chunks = chunkText(
      body,
      room,
      (s) => this.encode(s).length,
      (s, n) => {
        const ids = this.encode(s);
        const out: string[] = [];
        for (let i = 0; i < ids.length; i += n)
          out.push(this.tokenizer.decode(ids.slice(i, i + n)));
        return out;
      },
    );
    const results: { text: string; scores: OptionScores }[] = [];
    let judgement = '';
    for (const [i, text] of chunks.entries()) {
      const events = judgement ? [...parts.events, judgement, text] : [...parts.events, text];
      await this.setContext(key, { ...parts, events });
      const scores = await this.scoreOptions(key, options);
      results.push({ text, scores });
      const best = scores.probabilities.indexOf(Math.max(...scores.probabilities));
      judgement = carry(options[best], scores.probabilities[best], i);
    }
    return { chunks: results, final: results[results.length - 1].scores };
  }

  pin(key: string): void {
    this.cache.pin(key);
  }

  unpin(key: string): void {
    this.cache.unpin(key);
  }

  /** Drops the cached K/V (the context is kept and recomputed on next use). */
  evict(key: string): boolean {
    return this.cache.evict(key);
  }

  /** Drops the key's context and cache entirely. */
  forget(key: string): void {
    this.cache.evict(key);
    this.contexts.delete(key);
  }

  /** Last-token logits of a sequence computed from scratch in one step, without any cache. */
  async referenceLogits(tokens: readonly number[]): Promise<Float32Array> {
    const empty = emptyBlock(this.spec.numLayers, this.spec.numKvHeads, this.spec.headDim);
    const step: StepRow = {
      past: empty,
      tokens,
      positions: tokens.map((_, i) => i),
      keepCache: false,
    };
    const packed = packStep([step]);
    const out = await this.backend.run(packed);
    const logits = unpackRow(packed, [step], 0, out).logits.slice(
      (tokens.length - 1) * this.spec.vocabSize,
    );
    disposeUnheld(out);
    return logits;
  }

  /** The key's context logits after its last token, materializing the context if needed. */
  async lastLogits(key: string): Promise<Float32Array> {
    return this.withContext(key, async ({ ctx }) => (ctx.lastLogits as Float32Array).slice());
  }

  private toTokens(input: string | readonly number[]): number[] {
    return typeof input === 'string' ? this.encode(input) : [...input];
  }

  private checkLength(tokens: readonly number[]): void {
    if (!this.spec.slidingWindow && tokens.length > this.spec.maxPositions) {
      throw new ReasoningError(
        'CONTEXT_TOO_LONG',
        `context of ${tokens.length} tokens exceeds ${this.spec.maxPositions} positions`,
      );
    }
  }

  private async setTokens(key: string, target: number[]): Promise<ContextResult> {
    if (target.length === 0) throw new ReasoningError('NO_CONTEXT', 'empty context');
    this.checkLength(target);
    return this.serial.run(key, async () => {
      this.contexts.set(key, target);
      const lease = this.cache.acquire(key);
      try {
        const { ctx, timings } = await this.materialize(lease, target);
        dropKv(ctx.block);
        return { contextTokens: target.length, timings };
      } finally {
        lease.release();
      }
    });
  }

  /** Runs fn with the key's context computed and its cache leased (never evicted meanwhile). */
  private async withContext<T>(
    key: string,
    fn: (m: Materialized, started: number) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    return this.serial.run(key, async () => {
      const target = this.contexts.get(key);
      if (!target) throw new ReasoningError('NO_CONTEXT', `no context set for ${key}`);
      const lease = this.cache.acquire(key);
      try {
        const m = await this.materialize(lease, target);
        try {
          return await fn(m, started);
        } finally {
          dropKv(m.ctx.block);
        }
      } finally {
        lease.release();
      }
    });
  }

  /** Serves target from the longest reusable cached prefix and computes the rest. */
  private async materialize(lease: KvLease, target: readonly number[]): Promise<Materialized> {
    const t0 = performance.now();
    const plan = planReuse(target, lease.context, this.bestRoot(target), this.spec.slidingWindow);
    // Held while in use here: the cache may let go of it meanwhile (reserveReplacing).
    if (plan.source) holdKv(plan.source.block);
    if (plan.exact && plan.source) {
      this.cache.recordTokens(target.length, target.length, 0);
      return {
        ctx: plan.source,
        timings: {
          cachedTokens: target.length,
          newTokens: 0,
          prefillMs: 0,
          timeToFirstTokenMs: 0,
          tokensPerSecond: 0,
        },
      };
    }
    const sw = this.spec.slidingWindow;
    const finalSlots = sw
      ? Math.min(target.length, sw.globalTokens + sw.window - 1)
      : target.length;
    const suffix = target.slice(plan.reuse);
    let computed: { block: KvBlock; lastLogits: Float32Array };
    let keep: boolean;
    try {
      const base = plan.source
        ? await this.truncate(plan.source.block, plan.reuse)
        : emptyBlock(this.spec.numLayers, this.spec.numKvHeads, this.spec.headDim);
      keep = lease.reserveReplacing(finalSlots * this.bytesPerToken);
      computed = await this.compute(base, suffix, plan.reuse);
    } finally {
      if (plan.source) dropKv(plan.source.block);
    }
    const { lastLogits } = computed;
    // The cache stores compact blocks only, so its byte count is exact.
    const ctx: CachedContext = {
      tokens: [...target],
      block: await this.compact(computed.block),
      lastLogits,
    };
    if (keep) lease.commit(ctx);
    this.cache.recordTokens(target.length, plan.reuse, suffix.length);
    const ms = performance.now() - t0;
    return {
      ctx,
      timings: {
        cachedTokens: plan.reuse,
        newTokens: suffix.length,
        prefillMs: ms,
        timeToFirstTokenMs: ms,
        tokensPerSecond: ms > 0 ? (suffix.length * 1000) / ms : 0,
      },
    };
  }

  private bestRoot(target: readonly number[]): CachedContext | undefined {
    let best: CachedContext | undefined;
    let bestLen = 0;
    for (const root of this.cache.allRoots()) {
      const n = root.tokens.length;
      if (n > bestLen && n <= target.length && root.tokens.every((t, i) => t === target[i])) {
        best = root;
        bestLen = n;
      }
    }
    return best;
  }

  /** Computes the system prompt's K/V once (single flight) and keeps it pinned as a root. */
  private async ensureRoot(system: readonly number[]): Promise<void> {
    if (system.length === 0) return;
    const key = hashTokens(system);
    const have = this.cache.getRoot(key);
    if (
      have &&
      have.tokens.length === system.length &&
      have.tokens.every((t, i) => t === system[i])
    )
      return;
    let flight = this.rootsInFlight.get(key);
    if (!flight) {
      // Shared by every caller: not dropped with the first caller's signal.
      flight = withStepSignal(undefined, async () => {
        const empty = emptyBlock(this.spec.numLayers, this.spec.numKvHeads, this.spec.headDim);
        const { block, lastLogits } = await this.compute(empty, system, 0);
        const root: CachedContext = {
          tokens: [...system],
          block: await this.compact(block),
          lastLogits,
        };
        this.cache.setRoot(key, root);
        // The cache holds it now, or nothing does (it did not fit).
        dropKv(root.block);
        this.cache.recordTokens(system.length, 0, system.length);
        return root;
      });
      this.rootsInFlight.set(key, flight);
      void flight.finally(() => this.rootsInFlight.delete(key)).catch(() => undefined);
    }
    await flight;
  }

  /**
   * Runs new tokens after `past` in steps of at most maxStepTokens; returns the extended cache
   * (under a sliding window trimmed once it holds more than `windowSlack` extra slots).
   */
  private async compute(
    past: KvBlock,
    tokens: readonly number[],
    startPos: number,
    windowSlack = 0,
  ): Promise<{ block: KvBlock; lastLogits: Float32Array }> {
    let block = past;
    let lastLogits = new Float32Array(0);
    const step = this.options.maxStepTokens;
    try {
      for (let i = 0; i < tokens.length; i += step) {
        const chunk = tokens.slice(i, i + step);
        const res = await this.scheduler.submit(
          {
            past: block,
            tokens: chunk,
            positions: chunk.map((_, j) => startPos + i + j),
          },
          this.stepOptions(),
        );
        const next = await this.trimToWindow(res.block as KvBlock, windowSlack);
        // An intermediate block of this call is let go of once the next one is computed.
        if (block !== past) dropKv(block);
        block = next;
        // A copy, so the cache does not keep the whole [S, V] logits buffer alive.
        lastLogits = res.logits.slice((chunk.length - 1) * this.spec.vocabSize);
      }
    } catch (err) {
      if (block !== past) dropKv(block);
      throw err;
    }
    return { block, lastLogits };
  }

  /** A rewind to the slots before `position`; device K/V is downloaded only when slots go. */
  private async truncate(block: KvBlock, position: number): Promise<KvBlock> {
    const kept = block.positions.findIndex((p) => p >= position);
    if (kept < 0) return block;
    await downloadKv(block);
    return truncateToPosition(block, position, this.copies);
  }

  /**
   * The block as the cache stores it (its own K/V only). A row of a batch is gathered in JS
   * (downloaded first on the device path) and the row's hold on the batch is let go of; a
   * single row's block (device tensors included) is kept as it is.
   */
  private async compact(block: KvBlock): Promise<KvBlock> {
    if (!block.view) return block;
    await downloadKv(block);
    const compact = compactBlock(block);
    dropKv(block);
    return compact;
  }

  /** Slots a generation branch may hold past the window before a trim (see WINDOW_SLACK). */
  private get windowSlack(): number {
    return this.kvOnDevice ? WINDOW_SLACK : 0;
  }

  /**
   * Under a sliding window keeps only the first G and the last W-1 positions, once the block
   * holds more than `slack` slots beyond them.
   */
  private async trimToWindow(block: KvBlock, slack = 0): Promise<KvBlock> {
    const sw = this.spec.slidingWindow;
    if (!sw) return block;
    const bound = sw.globalTokens + sw.window - 1;
    if (block.length <= bound + slack) return block;
    const g = Math.min(sw.globalTokens, block.length);
    // The device path downloads the block (counted); the trimmed copy is a host block.
    await downloadKv(block);
    const trimmed = selectSlots(
      block,
      [
        { start: 0, end: g },
        { start: block.length - (sw.window - 1), end: block.length },
      ].filter((r) => r.end > r.start),
      this.copies,
    );
    if (trimmed !== block) dropKv(block);
    return trimmed;
  }

  /** The current call's step priority and signal, for the scheduler. */
  private stepOptions(): SubmitOptions {
    const c = currentStepContext();
    return { priority: c.priority, ...(c.signal ? { signal: c.signal } : {}) };
  }

  private async runRows(rows: StepRow[]): Promise<RowResult[]> {
    // Device K/V is downloaded (counted) only when packing reads it: a row joins a batch, or a
    // row of an earlier batch goes on alone.
    if (this.kvOnDevice && pastReadInJs(rows)) {
      await Promise.all(rows.map((r) => downloadKv(r.past)));
    }
    const packed = packStep(rows, this.copies, { headroom: this.growsBatches ? GROW_HEADROOM : 0 });
    const t0 = performance.now();
    const out = await this.backend.run(packed);
    this.metrics.step(rows.length, (performance.now() - t0) / 1000);
    const results = rows.map((_, b) => unpackRow(packed, rows, b, out, this.copies));
    disposeUnheld(out);
    return results;
  }

  /**
   * Whether a batch grows its own host buffer (present_new). Not on the device path with
   * concat attention, where feeding the device-resident `present` back beats uploading the
   * buffer every step; GroupQueryAttention batches keep their shared host buffer either way.
   */
  private get growsBatches(): boolean {
    if (!this.backend.hasNewKv) return false;
    return !this.kvOnDevice || this.backend.layout?.newKv === 'shared-buffer';
  }
}

/** A step's device K/V that no row kept (option scoring branches, a reference run): freed. */
function disposeUnheld(out: StepOutputs): void {
  if (out.presentDevice && out.presentDevice.holders === 0) out.presentDevice.dispose();
}
