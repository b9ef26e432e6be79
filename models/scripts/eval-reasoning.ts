/**
 * Evaluates the shipped risk reasoner on the held-out split (npm run model:eval):
 * judgement accuracy and macro-F1 by constrained scoring of the four impact options, against a
 * majority-class and a keyword-lexicon baseline; Brier score; INT8 vs fp32 agreement; the same
 * weights with the sliding window disabled (full attention); and, on greedy generations, the share
 * of stated figures that matched the inputs before grounding and after it.
 *
 * Also: accuracy on the market simulator's own headlines (fresh draws from its catalog, int8, the
 * wording the service meets in the demo and bench:scoring), per true label.
 *
 *   npm run model:eval -- [--model models/risk-reasoner] [--n 300] [--full 150] [--sim 200]
 *                         [--sim-only] [--write]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { format, resolveConfig } from 'prettier';
import { ReasoningEngine, loadTokenizer, readReasoningConfig } from '@risk/lm-runtime';
import { buildDecoderModel, fromHfConfigJson } from '@risk/reasoning-tools';
import {
  IMPACT_OPTIONS,
  JUDGEMENT_CUE,
  RiskExample,
  generateWordingExamples,
  generateHeldOutSet,
  generateTrainingSet,
  generatedReasoning,
  judgementContext,
  planSplits,
} from '@risk/reasoning/model/corpus';
import {
  GroundedReasoning,
  STEP_STOPS,
  reasonGrounded,
} from '@risk/reasoning/model/grounded-reasoning';
import { groundChainOfThought, groundingFactsFor } from '@risk/reasoning/model/grounding';
import { IMPACTS, Impact } from '@risk/reasoning/model/judgement';
import { lexiconImpact } from '@risk/reasoning/model/lexicon-baseline';
import { accuracy, brierScore, macroF1, majorityLabel } from '@risk/reasoning/model/metrics';
import { reasonAndJudge } from '@risk/reasoning-tools/training/onnx-scoring';
import { readDecoderWeights } from '@risk/reasoning-tools/training/read-weights';
import { REASONER_SEEDS } from '@risk/reasoning-tools/training/reasoner-config';
import { SIMULATOR_POOL, simulatorWording } from './simulator-wording';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const f = (x: number, digits = 4): string => x.toFixed(digits);

interface Judged {
  probs: number[][];
  predicted: Impact[];
  reasoning: GroundedReasoning[];
  /** Option probabilities after a chain of thought generated in one go, ungrounded. */
  rawProbs: number[][];
}

function argmaxImpact(p: readonly number[]): Impact {
  return IMPACT_OPTIONS[p.indexOf(Math.max(...p))].impact;
}

/**
 * The engine's flow: the prompt is the portfolio's cached context; the chain of thought is
 * generated greedily from it step by step, each step grounded before the next (prefix reuse makes
 * the rewind cheap); then the impact options are scored after `Impact:`.
 */
async function judgeWithEngine(
  engine: ReasoningEngine,
  examples: readonly RiskExample[],
  measureRaw: boolean,
): Promise<Judged> {
  const out: Judged = { probs: [], predicted: [], reasoning: [], rawProbs: [] };
  const options = IMPACT_OPTIONS.map((o) => o.text);
  const decode = (ids: readonly number[]): string =>
    ids.length > 0 ? engine.tokenizer.decode(ids) : '';
  for (const e of examples) {
    if (measureRaw) {
      await engine.prefill('eval', e.prompt);
      const g = await engine.generate('eval', { maxTokens: 120, stop: [JUDGEMENT_CUE] });
      await engine.prefill('eval', judgementContext(e.prompt, generatedReasoning(g.text)));
      out.rawProbs.push([...(await engine.scoreOptions('eval', options)).probabilities]);
    }
    const reasoning = await reasonGrounded(e.prompt, e.exposure, async (context) => {
      await engine.prefill('eval', context);
      const g = await engine.generate('eval', { maxTokens: 60, stop: [...STEP_STOPS] });
      return decode(g.tokens);
    });
    await engine.prefill('eval', judgementContext(e.prompt, reasoning.text));
    const probs = [...(await engine.scoreOptions('eval', options)).probabilities];
    out.probs.push(probs);
    out.predicted.push(argmaxImpact(probs));
    out.reasoning.push(reasoning);
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = arg('model', 'models/risk-reasoner');
  const n = Number(arg('n', '300'));
  const nFull = Math.min(n, Number(arg('full', '150')));
  const fp32Dir = join(dir, 'fp32');
  const int8Dir = join(dir, 'int8');
  const cfg = fromHfConfigJson(
    JSON.parse(await readFile(join(fp32Dir, 'config.json'), 'utf8')) as Record<string, unknown>,
  );
  const tokenizer = await loadTokenizer(fp32Dir);
  const tok = {
    encode: (t: string): number[] => tokenizer.encode(t),
    decode: (ids: readonly number[]): string => tokenizer.decode(ids),
  };
  const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1 };
  const runtime = readReasoningConfig({ REASONING_THREADS: '1' });
  const fp32 = await ReasoningEngine.open(fp32Dir, runtime);
  const int8 = await ReasoningEngine.open(int8Dir, runtime);
  const eos = fp32.spec.eosTokenIds[0];

  // The simulator's wordings (drawn with a seed training never used).
  const simSet = generateWordingExamples(
    simulatorWording,
    Number(arg('sim', '200')),
    REASONER_SEEDS.simulatorWordingHeldOut,
    SIMULATOR_POOL,
  );
  const simJudged = await judgeWithEngine(int8, simSet, false);
  const simGold = simSet.map((e) => e.judgement.impact);
  const simAccuracy = accuracy(simJudged.predicted, simGold);
  const simByLabel = IMPACTS.map((l) => {
    const idx = simGold.flatMap((g, i) => (g === l ? [i] : []));
    return `${l} ${f(
      accuracy(
        idx.map((i) => simJudged.predicted[i]),
        idx.map(() => l),
      ),
      3,
    )} (n=${idx.length})`;
  }).join(', ');
  const simNeutralShare = simJudged.predicted.filter((p) => p === 'neutral').length / simSet.length;
  console.log(
    `simulator wording (int8, ${simSet.length}): accuracy ${f(simAccuracy)} macro-F1 ${f(macroF1(simJudged.predicted, simGold, IMPACTS))}; by true label: ${simByLabel}; predicted neutral ${f(simNeutralShare, 3)} (true ${f(simGold.filter((g) => g === 'neutral').length / simSet.length, 3)})`,
  );
  if (process.argv.includes('--sim-only')) {
    await Promise.all([fp32.close(), int8.close()]);
    return;
  }

  const plan = planSplits(REASONER_SEEDS.plan);
  const heldOut = generateHeldOutSet(plan, n, REASONER_SEEDS.heldOut);
  const gold = heldOut.map((e) => e.judgement.impact);
  const goldIndex = gold.map((g) => IMPACT_OPTIONS.findIndex((o) => o.impact === g));
  const trainLabels = generateTrainingSet(plan, 4000, REASONER_SEEDS.train).map(
    (e) => e.judgement.impact,
  );
  const majority = majorityLabel(trainLabels);
  const lexicon = heldOut.map((e) => lexiconImpact(e.headline, e.body, e.exposure));

  const sparse = await judgeWithEngine(fp32, heldOut, true);
  const quant = await judgeWithEngine(int8, heldOut, false);
  // Cross-check of the engine (K/V cache, window trimming) against a bare full-recompute session.
  const fp32Session = await ort.InferenceSession.create(join(fp32Dir, 'model.onnx'), opts);
  let engineVsRecompute = 0;
  for (const [i, e] of heldOut.slice(0, 20).entries()) {
    const direct = await reasonAndJudge(fp32Session, cfg, tok, e.prompt, e.exposure, eos);
    direct.probabilities.forEach((p, k) => {
      engineVsRecompute = Math.max(engineVsRecompute, Math.abs(p - sparse.probs[i][k]));
    });
  }
  // Same weights, window disabled: the graph rebuilt from the fp32 initializers without it.
  const weights = readDecoderWeights(await readFile(join(fp32Dir, 'model.onnx')), cfg);
  const fullCfg = { ...cfg, slidingWindow: undefined };
  const full = await ort.InferenceSession.create(buildDecoderModel(fullCfg, weights), opts);
  const dense: Impact[] = [];
  for (const e of heldOut.slice(0, nFull)) {
    const r = await reasonAndJudge(full, fullCfg, tok, e.prompt, e.exposure, eos);
    dense.push(argmaxImpact(r.probabilities));
  }
  const goldHead = gold.slice(0, nFull);
  const sparseHead = sparse.predicted.slice(0, nFull);

  const acc = accuracy(sparse.predicted, gold);
  const f1 = macroF1(sparse.predicted, gold, IMPACTS);
  const brier = brierScore(sparse.probs, goldIndex);
  const int8Agreement = accuracy(quant.predicted, sparse.predicted);
  const lexAcc = accuracy(lexicon, gold);
  const majAcc = accuracy(
    heldOut.map(() => majority),
    gold,
  );
  const rawPredicted = sparse.rawProbs.map(argmaxImpact);
  const slice = (pred: (e: RiskExample) => boolean): string => {
    const idx = heldOut.map((e, i) => (pred(e) ? i : -1)).filter((i) => i >= 0);
    const a = accuracy(
      idx.map((i) => sparse.predicted[i]),
      idx.map((i) => gold[i]),
    );
    return `${f(a, 3)} (n=${idx.length})`;
  };

  // Figures of the generated chains of thought, before and after grounding.
  let checked = 0;
  let matched = 0;
  let corrected = 0;
  let dropped = 0;
  let shownChecked = 0;
  let shownMatched = 0;
  let exact = 0;
  const samples: string[] = [];
  let sidesCorrected = 0;
  let symbolsCorrected = 0;
  heldOut.forEach((e, i) => {
    const r = sparse.reasoning[i];
    checked += r.counts.checked;
    matched += r.counts.matched;
    corrected += r.counts.corrected;
    dropped += r.counts.dropped;
    sidesCorrected += r.counts.sidesCorrected;
    symbolsCorrected += r.counts.symbolsCorrected;
    const again = groundChainOfThought(r.text, groundingFactsFor(e.exposure, r.text));
    shownChecked += again.counts.checked;
    shownMatched += again.counts.matched;
    if (r.text === e.chainOfThought) exact++;
    if (samples.length < 3 && r.counts.corrected + r.counts.dropped > 0) {
      samples.push(`  generated: ${r.raw.join(' ')}\n  shown:     ${r.text}`);
    }
  });
  const figuresRaw = checked ? matched / checked : 1;
  const figuresShown = shownChecked ? shownMatched / shownChecked : 1;

  console.log(`held-out examples: ${n}, every one with an unseen company and ticker`);
  console.log(
    `label counts: ${IMPACTS.map((l) => `${l}=${gold.filter((g) => g === l).length}`).join(' ')}`,
  );
  console.log(
    `model (fp32, sparse attention, engine): accuracy ${f(acc)} macro-F1 ${f(f1)} Brier ${f(brier)}`,
  );
  console.log(
    `  by slice: unseen wording ${slice((e) => e.heldOut.wording)}; unseen combination ${slice((e) => e.heldOut.combination)}; entity only ${slice((e) => !e.heldOut.wording && !e.heldOut.combination)}`,
  );
  console.log(
    `  judged after a chain of thought generated in one go, ungrounded: accuracy ${f(accuracy(rawPredicted, gold))}`,
  );
  console.log(
    `engine (cached context) vs bare full recompute, same flow: max |p diff| ${engineVsRecompute.toExponential(2)} on 20 examples`,
  );
  console.log(
    `int8 (per-token): accuracy ${f(accuracy(quant.predicted, gold))} agreement with fp32 ${f(int8Agreement)} Brier ${f(brierScore(quant.probs, goldIndex))}`,
  );
  console.log(
    `full attention (same weights, window off), first ${nFull}: accuracy ${f(accuracy(dense, goldHead))} vs sparse ${f(accuracy(sparseHead, goldHead))}; agreement ${f(accuracy(dense, sparseHead))}`,
  );
  console.log(
    `lexicon baseline: accuracy ${f(lexAcc)} macro-F1 ${f(macroF1(lexicon, gold, IMPACTS))}`,
  );
  console.log(
    `majority baseline (${majority}): accuracy ${f(majAcc)} macro-F1 ${f(
      macroF1(
        heldOut.map(() => majority),
        gold,
        IMPACTS,
      ),
    )}`,
  );
  console.log(
    `chains of thought (grounded step by step): ${exact}/${n} shown exactly as the reference; figures ${checked} stated, ${matched} matched the inputs, ${corrected} corrected, ${dropped} dropped with their steps, ${sidesCorrected} sides and ${symbolsCorrected} tickers corrected; shown ${shownMatched}/${shownChecked} match`,
  );
  if (samples.length) console.log(`grounding examples:\n${samples.join('\n')}`);
  const seconds = (Date.now() - started) / 1000;
  console.log(`eval time ${seconds.toFixed(1)} s`);

  const result = {
    accuracy: acc,
    macro_f1: f1,
    lexicon_accuracy: lexAcc,
    majority_accuracy: majAcc,
    brier,
    int8_agreement: int8Agreement,
    figures_raw: figuresRaw,
    figures_shown: figuresShown,
    simulator_accuracy: simAccuracy,
  };
  if (process.argv.includes('--write')) {
    const report = {
      ...result,
      n,
      int8_accuracy: accuracy(quant.predicted, gold),
      raw_cot_accuracy: accuracy(rawPredicted, gold),
      full_attention: {
        n: nFull,
        accuracy: accuracy(dense, goldHead),
        sparse_accuracy: accuracy(sparseHead, goldHead),
        agreement: accuracy(dense, sparseHead),
      },
      engine_vs_recompute_max_prob_diff: engineVsRecompute,
      figures: {
        checked,
        matched,
        corrected,
        dropped,
        sidesCorrected,
        symbolsCorrected,
        shownChecked,
        shownMatched,
      },
      exact_chains_of_thought: exact,
      seconds,
    };
    const file = join(dir, 'eval-report.json');
    const style = (await resolveConfig(file)) ?? {};
    await writeFile(file, await format(JSON.stringify(report), { ...style, parser: 'json' }));
  }
  await Promise.all([fp32.close(), int8.close(), fp32Session.release(), full.release()]);
  console.log(
    `RESULT ${Object.entries(result)
      .map(([k, v]) => `${k}=${f(v)}`)
      .join(' ')}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
