/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { fromHfConfigJson } from '../graph/model-folder';
import { DecoderConfig } from '../graph/decoder-config';
import { TextTokenizer, loadTokenizer } from '@risk/lm-runtime/tokenizer';
import {
  END_OF_ANSWER,
  Exposure,
  IMPACT_OPTIONS,
  SYSTEM_PROMPT,
  formatBook,
  formatPrompt,
} from '@risk/reasoning/model/corpus';
import { groundChainOfThought, groundingFactsFor } from '@risk/reasoning/model/grounding';
import { Impact } from '@risk/reasoning/model/judgement';
import { onnxSequenceLogits } from './onnx-logits';
import { reasonAndJudge } from './onnx-scoring';
import { readDecoderWeights } from './read-weights';
import { createTfDecoder, disposeTfDecoder, tfDecoderForward } from './tf-decoder';

const MODEL_DIR = join(__dirname, '../../../../models/risk-reasoner');

/** Clear cases with a company and tickers the training split never saw. */
const CASES: { headline: string; body: string; exposure: Exposure; impact: Impact }[] = [
  {
    headline: 'Short seller accuses Kingsley Foods (QZXW) of accounting fraud',
    body: 'The company denied the claims and called them baseless.',
    exposure: { symbol: 'QZXW', side: 'long', quantity: 800, price: 52.1, sharePct: 7.5 },
    impact: 'severe_negative',
  },
  {
    headline: 'Kingsley Foods (QZXW) beats quarterly profit estimates',
    body: 'Margins widened in every segment during the third quarter.',
    exposure: { symbol: 'QZXW', side: 'long', quantity: 300, price: 52.1, sharePct: 3.2 },
    impact: 'positive',
  },
  {
    headline: 'Regulators open probe into Monarch Bank (VYLT)',
    body: 'The company said it is cooperating fully with the inquiry.',
    exposure: { symbol: 'VYLT', side: 'short', quantity: 300, price: 41.2, sharePct: 2.6 },
    impact: 'positive',
  },
  {
    headline: 'Monarch Bank (VYLT) cuts full-year outlook',
    body: 'Management blamed softer orders and said the fourth quarter would be weak.',
    exposure: { symbol: 'VYLT', side: 'none', quantity: 0, price: 0, sharePct: 0 },
    impact: 'neutral',
  },
];

/** As the service asks: system prompt and book line in front; the simulator's wordings; moves. */
const BOOK = formatBook(
  [
    { symbol: 'ACME', side: 'long', sharePct: 22.4 },
    { symbol: 'NOVA', side: 'short', sharePct: 8.1 },
  ],
  48,
);
const SERVICE_CASES: {
  context: string;
  headline: string;
  body: string;
  exposure: Exposure;
  impact: Impact;
}[] = [
  {
    context: SYSTEM_PROMPT + BOOK,
    headline: 'Acme Systems cuts full-year guidance, cites weaker orders',
    body: 'Acme Systems lowered its outlook for the year, the second revision in six months.',
    exposure: { symbol: 'ACME', side: 'long', quantity: 1200, price: 186.5, sharePct: 22.4 },
    impact: 'severe_negative',
  },
  {
    context: SYSTEM_PROMPT + BOOK,
    headline: 'NOVA falls 6.2% in minutes',
    body: 'The move is 4.1 standard deviations of its recent volatility.',
    exposure: { symbol: 'NOVA', side: 'short', quantity: 850, price: 95.3, sharePct: 8.1 },
    impact: 'positive',
  },
  {
    context: SYSTEM_PROMPT + BOOK,
    headline: 'Acme Systems to present at an investor conference next week',
    body: '',
    exposure: { symbol: 'ACME', side: 'long', quantity: 1200, price: 186.5, sharePct: 22.4 },
    impact: 'neutral',
  },
];

async function loadShipped(): Promise<{ cfg: DecoderConfig; tokenizer: TextTokenizer }> {
  const json = JSON.parse(await readFile(join(MODEL_DIR, 'fp32/config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  return { cfg: fromHfConfigJson(json), tokenizer: await loadTokenizer(join(MODEL_DIR, 'fp32')) };
}

// Generation on two model variants: a few seconds alone, more on a busy machine.
jest.setTimeout(60_000);

describe('shipped risk reasoner (models/risk-reasoner)', () => {
  it('judges clear held-out cases correctly, fp32 and INT8', async () => {
    const { cfg, tokenizer } = await loadShipped();
    const tok = {
      encode: (t: string): number[] => tokenizer.encode(t),
      decode: (ids: readonly number[]): string => tokenizer.decode(ids),
    };
    const eos = tokenizer.encode(END_OF_ANSWER)[0];
    for (const variant of ['fp32', 'int8']) {
      const session = await ort.InferenceSession.create(join(MODEL_DIR, variant, 'model.onnx'));
      for (const c of CASES) {
        const r = await reasonAndJudge(
          session,
          cfg,
          tok,
          formatPrompt(c.headline, c.body, c.exposure),
          c.exposure,
          eos,
        );
        const probs = r.probabilities;
        // Whatever the model wrote, every figure shown matches the inputs.
        const again = groundChainOfThought(
          r.grounding.text,
          groundingFactsFor(c.exposure, r.grounding.text),
        );
        expect(again.counts.matched).toBe(again.counts.checked);
        const best = IMPACT_OPTIONS[probs.indexOf(Math.max(...probs))].impact;
        expect(`${variant}: ${c.headline} → ${best}`).toBe(
          `${variant}: ${c.headline} → ${c.impact}`,
        );
      }
      for (const c of SERVICE_CASES) {
        const r = await reasonAndJudge(
          session,
          cfg,
          tok,
          c.context + formatPrompt(c.headline, c.body, c.exposure),
          c.exposure,
          eos,
        );
        const best = IMPACT_OPTIONS[r.probabilities.indexOf(Math.max(...r.probabilities))].impact;
        expect(`${variant}: ${c.headline} → ${best}`).toBe(
          `${variant}: ${c.headline} → ${c.impact}`,
        );
      }
      await session.release();
    }
  });

  it('computes in ONNX what TensorFlow.js computes on the trained weights (≤ 1e-4)', async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    const { cfg, tokenizer } = await loadShipped();
    const bytes = await readFile(join(MODEL_DIR, 'fp32/model.onnx'));
    const model = createTfDecoder(cfg, readDecoderWeights(bytes, cfg));
    // Longer than the window (64), so the local-global mask is exercised.
    const c = CASES[0];
    const ids = tokenizer.encode(
      `${formatPrompt(c.headline, c.body, c.exposure)} Event: fraud allegation against QZXW. Exposure: long 800 QZXW = 7.5% of nav. A fraud allegation usually makes the stock collapse by about 25%;`,
    );
    expect(ids.length).toBeGreaterThan(cfg.slidingWindow?.window ?? 0);
    const session = await ort.InferenceSession.create(bytes);
    const onnx = await onnxSequenceLogits(session, cfg, ids);
    const mine = tf.tidy(() =>
      tfDecoderForward(model, tf.tensor2d([ids], [1, ids.length], 'int32')).dataSync(),
    );
    let diff = 0;
    for (let i = 0; i < onnx.length; i++) diff = Math.max(diff, Math.abs(onnx[i] - mine[i]));
    expect(diff).toBeLessThanOrEqual(1e-4);
    await session.release();
    disposeTfDecoder(model);
  });
});
