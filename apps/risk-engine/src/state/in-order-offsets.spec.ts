import { InOrderOffsets } from './in-order-offsets';

describe('InOrderOffsets', () => {
  it('commits after each message when they finish in order', () => {
    const o = new InOrderOffsets();
    o.started('5');
    o.started('6');
    expect(o.finished('5')).toBe('6');
    expect(o.finished('6')).toBe('7');
    expect(o.pending).toBe(0);
  });

  it('holds a later message until the earlier ones finish, then commits past all of them', () => {
    const o = new InOrderOffsets();
    for (const x of ['10', '11', '12', '14']) o.started(x);
    expect(o.finished('12')).toBeNull();
    expect(o.finished('11')).toBeNull();
    expect(o.finished('10')).toBe('13');
    expect(o.pending).toBe(1);
    expect(o.finished('14')).toBe('15');
  });

  it('keeps offsets beyond 2^53 exact', () => {
    const o = new InOrderOffsets();
    o.started('9007199254740993');
    expect(o.finished('9007199254740993')).toBe('9007199254740994');
  });

  it('does not start an offset again, nor one before the last started; refuses finishing one never started', () => {
    const o = new InOrderOffsets();
    expect(o.started('7')).toBe(true);
    expect(o.started('7')).toBe(false);
    expect(o.started('6')).toBe(false);
    expect(o.finished('7')).toBe('8');
    expect(o.started('7')).toBe(false);
    expect(() => o.finished('8')).toThrow(/not started/);
  });
});
