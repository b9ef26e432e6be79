/**
 * Evaluates the shipped news understanding (npm run model:eval) on the hand-written held-out set
 * data/news/heldout.jsonl (never trained or tuned on), and for reference on the development set:
 * the holder's direction (negative / neutral / positive) accuracy, macro-F1 and Brier score,
 * severe-negative recall, beside the AFINN lexicon (npm `sentiment`), the project's keyword
 * lexicon and the majority class; and the encoder's latency per headline on one thread.
 * Labels: docs/news-labels.md. The decoder's own evaluation is `npm run model:eval-reasoner`.
 *
 *   npm run model:eval -- [--set heldout|dev] [--errors]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Sentiment from 'sentiment';
import {
  LABEL_SHARE_PCT,
  SentenceEncoder,
  encoderFiles,
  ensureNewsEncoder,
  holderDirection,
  newsKind,
  polarityOf,
  readEvent,
  type LabelledNews,
  type Polarity,
  type UnderstandingModel,
} from '@risk/news-understanding';
import { lexiconImpact } from '@risk/reasoning/model/lexicon-baseline';
import {
  accuracyOf,
  brierOf,
  goldFor,
  macroF1Of,
  predictSet,
  readNewsSet,
  severeRecallOf,
} from './news-sets';

const f = (x: number, d = 4): string => x.toFixed(d);

function afinn(n: LabelledNews, s: Sentiment): Polarity {
  const score = s.analyze(`${n.headline} ${n.body ?? ''}`).score;
  return polarityOf(holderDirection(Math.sign(score) as -1 | 0 | 1, n.side));
}

function keywordLexicon(n: LabelledNews): { direction: Polarity; severe: boolean } {
  const impact = lexiconImpact(n.headline, n.body ?? '', {
    symbol: 'X',
    side: n.side,
    quantity: 1,
    price: 1,
    sharePct: LABEL_SHARE_PCT,
  });
  const direction: Polarity =
    impact === 'positive' ? 'positive' : impact === 'neutral' ? 'neutral' : 'negative';
  return { direction, severe: impact === 'severe_negative' };
}

async function main(): Promise<void> {
  const setName = process.argv.includes('--set')
    ? (process.argv[process.argv.indexOf('--set') + 1] as 'heldout' | 'dev')
    : 'heldout';
  const files = encoderFiles(process.cwd());
  ensureNewsEncoder(files, (l) => console.log(l));
  const model = JSON.parse(
    readFileSync(join('models', 'news-understanding', 'classifier.json'), 'utf8'),
  ) as UnderstandingModel;
  const encoder = await SentenceEncoder.open(files, 1);
  const embed = (t: string) => encoder.embed(t);

  const items = readNewsSet(setName);
  const gold = items.map(goldFor);
  const g = gold.map((x) => x.direction);
  const pred = await predictSet(model, items, embed);
  const p = pred.map((x) => x.direction);
  const acc = accuracyOf(p, g);
  const f1 = macroF1Of(p, g);
  const brier = brierOf(
    pred.map((x) => x.probs),
    g,
  );
  const severeGold = gold.map((x) => x.severe);
  const severeRecall = severeRecallOf(
    pred.map((x) => x.severe),
    severeGold,
  );
  const flagged = pred.filter((x) => x.severe).length;
  const severePrecision = flagged
    ? pred.filter((x, i) => x.severe && severeGold[i]).length / flagged
    : 1;

  const sentiment = new Sentiment();
  const lex = items.map((n) => afinn(n, sentiment));
  const kw = items.map(keywordLexicon);
  const trainGold = readNewsSet('train').map((n) => goldFor(n).direction);
  const majority = (['negative', 'neutral', 'positive'] as Polarity[]).reduce((a, b) =>
    trainGold.filter((x) => x === b).length > trainGold.filter((x) => x === a).length ? b : a,
  );
  const lexAcc = accuracyOf(lex, g);
  const majAcc = accuracyOf(
    items.map(() => majority),
    g,
  );
  const slice = (name: string, pick: (n: LabelledNews) => boolean): string => {
    const idx = items.flatMap((n, i) => (pick(n) ? [i] : []));
    return `${name} ${f(
      accuracyOf(
        idx.map((i) => p[i]),
        idx.map((i) => g[i]),
      ),
      3,
    )} (n=${idx.length})`;
  };

  // Latency: one headline at a time, one thread, as the service reads a story's headline.
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (const n of items) {
      const t0 = performance.now();
      readEvent(model, await encoder.embed(n.headline), n.headline);
      times.push(performance.now() - t0);
    }
  }
  times.sort((a, b) => a - b);
  const q = (x: number) => times[Math.min(times.length - 1, Math.floor(x * times.length))];

  console.log(
    `${setName}: ${items.length} hand-written items (${items.filter((n) => n.side === 'short').length} held short, ${items.filter((n) => n.body).length} with a body), held at ${LABEL_SHARE_PCT}% of nav; encoder ${model.encoder}, cue features ${model.cues ? 'on' : 'off'}`,
  );
  console.log(
    `gold: ${['negative', 'neutral', 'positive'].map((c) => `${c}=${g.filter((x) => x === c).length}`).join(' ')}, severe negative ${severeGold.filter(Boolean).length}`,
  );
  console.log(
    `understanding: direction accuracy ${f(acc)} macro-F1 ${f(f1)} Brier ${f(brier)}; severe-negative recall ${f(severeRecall)} precision ${f(severePrecision)}`,
  );
  console.log(
    `  by slice: ${slice('routine/denials', (n) => n.kind === 'routine')}; ${slice('held short', (n) => n.side === 'short')}; ${slice('against the kind (reversals, cleared)', (n) => n.kind !== 'routine' && n.issuer !== newsKind(n.kind).direction)}; ${slice('rumours', (n) => n.rumour === true)}; ${slice('with a body', (n) => Boolean(n.body))}`,
  );
  console.log(
    `AFINN lexicon (sentiment): accuracy ${f(lexAcc)} macro-F1 ${f(macroF1Of(lex, g))}; keyword lexicon (lexicon-baseline.ts): accuracy ${f(
      accuracyOf(
        kw.map((x) => x.direction),
        g,
      ),
    )} severe recall ${f(
      severeRecallOf(
        kw.map((x) => x.severe),
        severeGold,
      ),
    )}`,
  );
  console.log(`majority class (${majority}, from the training labels): accuracy ${f(majAcc)}`);
  console.log(
    `understand latency per headline (1 thread, ${times.length} runs): p50 ${f(q(0.5), 2)} ms p99 ${f(q(0.99), 2)} ms`,
  );
  if (process.argv.includes('--errors')) {
    items.forEach((n, i) => {
      if (p[i] !== g[i] || pred[i].severe !== severeGold[i])
        console.log(
          `  ${n.id} gold ${g[i]}${severeGold[i] ? '!' : ''} got ${p[i]}${pred[i].severe ? '!' : ''} (${n.side}): ${n.headline}`,
        );
    });
  }
  await encoder.close();
  console.log(
    `RESULT accuracy=${f(acc)} lexicon_accuracy=${f(lexAcc)} majority_accuracy=${f(majAcc)} severe_recall=${f(severeRecall)} macro_f1=${f(f1)} brier=${f(brier)} understand_p99_ms=${f(q(0.99), 2)}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
