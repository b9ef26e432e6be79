import { DuplicateIndex } from './duplicate-index';

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};

describe('near-duplicate stories', () => {
  it('finds the closest earlier story at or above the threshold within the window', () => {
    const idx = new DuplicateIndex<string>(0.9, 60_000);
    idx.add({ id: 'a', ts: 0, embedding: unit(1, 0, 0), value: 'A' });
    idx.add({ id: 'b', ts: 0, embedding: unit(1, 0.3, 0), value: 'B' });
    const hit = idx.find('c', unit(1, 0.28, 0), 30_000);
    expect(hit?.id).toBe('b');
    expect(hit!.cosine).toBeGreaterThan(0.99);
    expect(idx.find('c', unit(0, 1, 0), 30_000)).toBeUndefined();
  });

  it('ignores stories outside the time window and the story itself', () => {
    const idx = new DuplicateIndex<string>(0.9, 60_000);
    idx.add({ id: 'a', ts: 0, embedding: unit(1, 0), value: 'A' });
    expect(idx.find('x', unit(1, 0), 120_000)).toBeUndefined();
    expect(idx.find('a', unit(1, 0), 0)).toBeUndefined();
  });

  it('keeps at most `capacity` stories, dropping the oldest', () => {
    const idx = new DuplicateIndex<number>(0.99, 1e9, 2);
    idx.add({ id: '1', ts: 0, embedding: unit(1, 0), value: 1 });
    idx.add({ id: '2', ts: 0, embedding: unit(0, 1), value: 2 });
    idx.add({ id: '3', ts: 0, embedding: unit(1, 1), value: 3 });
    expect(idx.find('x', unit(1, 0), 0)).toBeUndefined();
    expect(idx.find('x', unit(0, 1), 0)?.value).toBe(2);
  });
});
