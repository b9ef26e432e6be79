/**
 * Trains the news understanding heads on the frozen encoder (npm run model:train-news):
 * softmax regression for the event kind and for the issuer's direction, on the reasoner's event
 * templates (libs/reasoning/src/model/event-kinds.ts, filled with training-only names) plus the
 * hand-written training phrasings of data/news/train.jsonl. Reports on data/news/dev.jsonl (the
 * development set, never trained on); data/news/heldout.jsonl is read by model:eval only.
 * Measures the near-duplicate cosine on data/news/duplicates.jsonl. Writes
 * models/news-understanding/classifier.json.
 *
 *   npm run model:train-news -- [--epochs 400] [--l2 0.001] [--lr 0.05]
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import {
  NEWS_ENCODER,
  NEWS_KIND_IDS,
  NEWS_KINDS,
  POLARITIES,
  SentenceEncoder,
  cosine,
  encoderFiles,
  headInput,
  readEvent,
  sameEvent,
  ensureNewsEncoder,
  polarityOf,
  type ClassifierWeights,
  type UnderstandingModel,
} from '@risk/news-understanding';
import { EVENT_KINDS } from '@risk/reasoning/model/event-kinds';
import {
  EmbeddingCache,
  accuracyOf,
  brierOf,
  goldFor,
  macroF1Of,
  predictSet,
  readNewsSet,
  severeRecallOf,
} from './news-sets';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Names used only to fill the templates (none appears in dev or held-out). */
const FILL = [
  ['Norrland Paper', 'NRP'],
  ['Baxter & Crane', 'BXC'],
  ['Oriel Systems', 'ORL'],
  ['Pemberton Gas', 'PGAS'],
  ['Tessaro Foods', 'TSF'],
  ['Ulmer Chemie', 'ULC'],
] as const;

interface Example {
  text: string;
  kind: string;
  issuer: -1 | 0 | 1;
}

function templateExamples(): Example[] {
  const out: Example[] = [];
  EVENT_KINDS.forEach((k, ki) => {
    k.headlines.forEach((h, hi) => {
      for (let f = 0; f < 2; f++) {
        const [co, sym] = FILL[(ki + hi * 2 + f) % FILL.length];
        const fill = (t: string) =>
          t
            .replaceAll('{co}', co)
            .replaceAll('{sym}', sym)
            .replaceAll('{pct}', String(3 + ((ki + hi) % 9)))
            .replaceAll('{amt}', `${1 + (hi % 4)}.${ki % 10}`)
            .replaceAll('{q}', ['first', 'second', 'third', 'fourth'][(ki + f) % 4]);
        const text =
          f === 0 ? fill(h) : `${fill(h)}\n${fill(k.bodies[(hi + f) % k.bodies.length])}`;
        out.push({ text, kind: k.id, issuer: k.direction });
      }
    });
  });
  return out;
}

/** Softmax regression with Adam and L2, classes weighted to balance them. */
function trainHead(
  xs: readonly ArrayLike<number>[],
  ys: readonly number[],
  classes: number,
  epochs: number,
  lr: number,
  l2: number,
): number[][] {
  const dim = xs[0].length;
  const w = Array.from({ length: classes }, () => new Float64Array(dim + 1));
  const m = w.map(() => new Float64Array(dim + 1));
  const v = w.map(() => new Float64Array(dim + 1));
  const counts = new Array<number>(classes).fill(0);
  for (const y of ys) counts[y]++;
  const cw = counts.map((c) => (c === 0 ? 0 : xs.length / (classes * c)));
  const b1 = 0.9;
  const b2 = 0.999;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const g = w.map(() => new Float64Array(dim + 1));
    xs.forEach((x, n) => {
      const z = w.map((row) => {
        let s = row[dim];
        for (let i = 0; i < dim; i++) s += row[i] * x[i];
        return s;
      });
      const mx = Math.max(...z);
      const e = z.map((q) => Math.exp(q - mx));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < classes; c++) {
        const d = (cw[ys[n]] * (e[c] / sum - (c === ys[n] ? 1 : 0))) / xs.length;
        for (let i = 0; i < dim; i++) g[c][i] += d * x[i];
        g[c][dim] += d;
      }
    });
    for (let c = 0; c < classes; c++) {
      for (let i = 0; i <= dim; i++) {
        const gi = g[c][i] + (i < dim ? l2 * w[c][i] : 0);
        m[c][i] = b1 * m[c][i] + (1 - b1) * gi;
        v[c][i] = b2 * v[c][i] + (1 - b2) * gi * gi;
        const mh = m[c][i] / (1 - b1 ** epoch);
        const vh = v[c][i] / (1 - b2 ** epoch);
        w[c][i] -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
  }
  return w.map((row) => Array.from(row, (x) => Math.round(x * 1e5) / 1e5));
}

async function main(): Promise<void> {
  const started = Date.now();
  const files = encoderFiles(process.cwd());
  ensureNewsEncoder(files, (l) => console.log(l));
  const encoder = await SentenceEncoder.open(files, 1);
  const cache = new EmbeddingCache((t) => encoder.embed(t));

  const own = readNewsSet('train').map((n) => ({
    text: n.body ? `${n.headline}\n${n.body}` : n.headline,
    kind: n.kind,
    issuer: n.issuer,
  }));
  const examples = [...templateExamples(), ...own];
  const xs: Float32Array[] = [];
  for (const e of examples) xs.push(await cache.get(e.text));
  const kindY = examples.map((e) => NEWS_KIND_IDS.indexOf(e.kind));
  if (kindY.some((y) => y < 0)) throw new Error('a training example has an unknown kind');
  const dirY = examples.map((e) => POLARITIES.indexOf(polarityOf(e.issuer)));
  const epochs = Number(arg('epochs', '300'));
  const lr = Number(arg('lr', '0.05'));
  const l2 = Number(arg('l2', '0.001'));
  const cues = !process.argv.includes('--no-cues');
  const inputs = xs.map((x, i) => headInput(x, examples[i].text, cues));
  const kindWeights = trainHead(inputs, kindY, NEWS_KIND_IDS.length, epochs, lr, l2);
  const directionWeights = trainHead(inputs, dirY, 3, epochs, lr, l2);

  // Near-duplicates: a pair is the same news when the cosine reaches the cut and both headlines
  // name the same instrument and read as the same event (sameEvent); the cut that gets most pairs right, ties to the higher
  // one (reusing a judgement for a different story is the worse error).
  const pairs = readFileSync(join('data', 'news', 'duplicates.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { a: string; b: string; same: boolean; sameSymbols: boolean });
  const heads = {
    kindWeights,
    directionWeights,
    kinds: [...NEWS_KIND_IDS],
    cues,
    encoder: NEWS_ENCODER.id,
    duplicateCosine: 1,
  };
  const scored: { c: number; agree: boolean; same: boolean }[] = [];
  for (const p of pairs) {
    const [a, b] = [await cache.get(p.a), await cache.get(p.b)];
    scored.push({
      c: cosine(a, b),
      agree: p.sameSymbols && sameEvent(readEvent(heads, a, p.a), readEvent(heads, b, p.b)),
      same: p.same,
    });
  }
  let best = { cut: 0.9, correct: -1 };
  for (const cut of [...new Set(scored.map((s) => s.c))].sort((a, b) => a - b)) {
    const correct = scored.filter((s) => (s.c >= cut && s.agree) === s.same).length;
    if (correct >= best.correct) best = { cut, correct };
  }
  const sameMin = Math.min(...scored.filter((s) => s.same).map((s) => s.c));
  const diffMax = Math.max(...scored.filter((s) => !s.same).map((s) => s.c));
  console.log(
    `duplicates: same-news cosine ≥ ${sameMin.toFixed(3)}, different-news ≤ ${diffMax.toFixed(3)} (cosine alone cannot separate them); with the same-event check, cut ${best.cut.toFixed(3)}: ${best.correct}/${scored.length} pairs right`,
  );

  const weights: ClassifierWeights = {
    encoder: NEWS_ENCODER.id,
    kinds: [...NEWS_KIND_IDS],
    kindWeights,
    directionWeights,
    cues,
    duplicateCosine: Math.floor(best.cut * 1000) / 1000,
  };
  const centroids = NEWS_KINDS.map((k) => {
    const idx = examples.flatMap((e, i) =>
      e.kind === k.id && Math.sign(e.issuer) === k.direction ? [i] : [],
    );
    const c = new Float64Array(xs[0].length);
    for (const i of idx) for (let d = 0; d < c.length; d++) c[d] += xs[i][d];
    const norm = Math.sqrt(c.reduce((a, b) => a + b * b, 0)) || 1;
    return {
      kind: k.id,
      vector: Array.from(c, (x) => Math.round((x / norm) * 1e5) / 1e5),
      example: examples[idx[0]].text.split('\n')[0],
    };
  });

  const dev = readNewsSet('dev');
  const pred = await predictSet(weights, dev, (t) => cache.get(t));
  // The rule layer measured: the same heads on the embedding alone.
  const bare = xs.map((x) => Array.from(x));
  const ablation: ClassifierWeights = {
    ...weights,
    cues: false,
    kindWeights: trainHead(bare, kindY, NEWS_KIND_IDS.length, epochs, lr, l2),
    directionWeights: trainHead(bare, dirY, 3, epochs, lr, l2),
  };
  const predBare = await predictSet(ablation, dev, (t) => cache.get(t));
  cache.save();
  const gold = dev.map(goldFor);
  const g = gold.map((x) => x.direction);
  console.log(
    `training examples ${examples.length} (${examples.length - own.length} from templates, ${own.length} hand-written); dev ${dev.length}`,
  );
  console.log(
    `dev: direction accuracy ${accuracyOf(
      pred.map((p) => p.direction),
      g,
    ).toFixed(4)} macro-F1 ${macroF1Of(
      pred.map((p) => p.direction),
      g,
    ).toFixed(4)} Brier ${brierOf(
      pred.map((p) => p.probs),
      g,
    ).toFixed(4)} severe recall ${severeRecallOf(
      pred.map((p) => p.severe),
      gold.map((x) => x.severe),
    ).toFixed(
      4,
    )} (n=${gold.filter((x) => x.severe).length}) severe precision ${(pred.filter((p, i) => p.severe && gold[i].severe).length / Math.max(1, pred.filter((p) => p.severe).length)).toFixed(4)}`,
  );
  console.log(
    `dev without the cue features (encoder only): direction accuracy ${accuracyOf(
      predBare.map((p) => p.direction),
      g,
    ).toFixed(4)} severe recall ${severeRecallOf(
      predBare.map((p) => p.severe),
      gold.map((x) => x.severe),
    ).toFixed(4)}`,
  );
  if (process.argv.includes('--errors')) {
    dev.forEach((n, i) => {
      if (pred[i].direction !== g[i] || pred[i].severe !== gold[i].severe)
        console.log(
          `  ${n.id} gold ${g[i]}${gold[i].severe ? '!' : ''} got ${pred[i].direction}${pred[i].severe ? '!' : ''} ${n.side}: ${n.headline}`,
        );
    });
  }
  const model: UnderstandingModel = { ...weights, centroids };
  const out = join('models', 'news-understanding', 'classifier.json');
  mkdirSync(join('models', 'news-understanding'), { recursive: true });
  const style = (await resolveConfig(out)) ?? {};
  writeFileSync(out, await format(JSON.stringify(model), { ...style, parser: 'json' }));
  await encoder.close();
  console.log(`wrote ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
