/** `npm run model:trees -- --explore`: the label's loss quantiles and each feature's AUC, no training. */
import { FEATURE_NAMES } from '@risk/scoring/trees';
import type { Sample } from './dataset';
import { fmt, rocAuc } from './figures';

export function explore(train: readonly Sample[], holdout: readonly Sample[]): void {
  const losses = train.map((s) => s.loss).sort((a, b) => a - b);
  for (const q of [0.5, 0.8, 0.9, 0.95, 0.99]) {
    console.log(`loss q${q}: ${fmt(losses[Math.floor(q * losses.length)], 5)}`);
  }
  const hl = holdout.map((s) => s.bad);
  FEATURE_NAMES.forEach((name, f) => {
    console.log(
      `auc ${name}: ${fmt(
        rocAuc(
          holdout.map((s) => s.x[f]),
          hl,
        ),
        3,
      )}`,
    );
  });
  const newsL = train.filter((s) => s.trigger === 'news');
  for (const cls of [0, 1, 2, 3]) {
    const sel = newsL.filter((s) => s.x[16 + cls] >= 0.45);
    const l = sel.map((s) => s.loss).sort((a, b) => a - b);
    console.log(
      `news top ${cls}: n=${sel.length} loss q0.5 ${fmt(l[Math.floor(l.length / 2)] ?? 0, 5)} q0.9 ${fmt(l[Math.floor(l.length * 0.9)] ?? 0, 5)} >1%: ${fmt(sel.filter((s) => s.loss > 0.01).length / sel.length, 3)}`,
    );
  }
  return;
}
