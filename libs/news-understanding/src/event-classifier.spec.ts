import { cueFeatures } from './cue-features';
import {
  checkWeights,
  isRumour,
  readEvent,
  softmaxRows,
  type ClassifierWeights,
} from './event-classifier';

describe('event classifier heads', () => {
  it('softmax over rows of weights then bias', () => {
    const p = softmaxRows(
      [
        [1, 0, 0],
        [0, 1, Math.log(2)],
      ],
      [0, 0],
    );
    expect(p[0]).toBeCloseTo(1 / 3, 12);
    expect(p[1]).toBeCloseTo(2 / 3, 12);
  });

  it('reads the kind and direction from the embedding and the cues', () => {
    const dim = 2;
    const zeros = () => new Array<number>(dim + 6 + 1).fill(0);
    const w: ClassifierWeights = {
      encoder: 'test',
      kinds: ['earnings_miss', 'earnings_beat'],
      kindWeights: [zeros(), [...zeros().slice(0, dim + 6), 1]],
      // negative follows the "negative words" cue, positive the "positive words" cue.
      directionWeights: [[0, 0, 5, 0, 0, 0, 0, 0, 0], zeros(), [0, 0, 0, 5, 0, 0, 0, 0, 0]],
      cues: true,
      duplicateCosine: 0.9,
    };
    checkWeights(w, dim);
    const r = readEvent(w, [0, 0], 'Acme profit falls short, shares slide');
    expect(r.kind.id).toBe('earnings_beat');
    expect(r.issuer.negative).toBeGreaterThan(r.issuer.positive);
    expect(readEvent(w, [0, 0], 'Acme shares surge to a record').issuer.positive).toBeGreaterThan(
      0.5,
    );
  });

  it('rejects weights of the wrong width or an unknown kind', () => {
    const w = {
      encoder: 't',
      kinds: ['nope'],
      kindWeights: [[0]],
      directionWeights: [[0], [0], [0]],
      cues: false,
      duplicateCosine: 1,
    };
    expect(() => checkWeights(w, 0)).toThrow(/unknown kind nope/);
    expect(() => checkWeights({ ...w, kinds: ['routine'] }, 3)).toThrow(/rows must have 4 values/);
  });

  it('tells rumours, denials and reversals by their cues', () => {
    expect(isRumour('Acme exploring sale, people familiar with the matter say')).toBe(true);
    expect(isRumour('Acme agrees to be acquired')).toBe(false);
    const [, , denial, reversal] = cueFeatures('Acme denies report, shares recover');
    expect([denial, reversal]).toEqual([1, 1]);
  });
});
