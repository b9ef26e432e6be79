import { GroundingFacts, correctTickers, groundChainOfThought, splitSteps } from './grounding';

const facts: GroundingFacts = {
  side: 'short',
  quantity: 300,
  price: 41.2,
  sharePct: 2.1,
  typicalMovePct: 6,
};

const right =
  'Event: regulatory probe into ACME. Exposure: short 300 ACME = 2.1% of nav. A probe usually moves the stock down by about 6%; a short gains about 0.13% of nav, so impact positive, small.';

describe('groundChainOfThought', () => {
  it('splits steps at sentence ends, not at decimal points', () => {
    expect(splitSteps('Exposure: long 5 X at 41.20 = 2.1% of nav. Done; next.')).toEqual([
      'Exposure: long 5 X at 41.20 = 2.1% of nav.',
      'Done;',
      'next.',
    ]);
  });

  it('keeps a correct chain of thought unchanged and counts every figure as matched', () => {
    const r = groundChainOfThought(right, facts);
    expect(r.text).toBe(right);
    expect(r.counts).toEqual({
      checked: 4,
      matched: 4,
      corrected: 0,
      dropped: 0,
      stepsDropped: 0,
      sidesCorrected: 0,
      symbolsCorrected: 0,
    });
    expect(r.figures.map((f) => f.role)).toEqual(['quantity', 'share', 'move', 'nav_effect']);
  });

  it('corrects a wrong quantity, share and price from the inputs', () => {
    const r = groundChainOfThought('Exposure: short 350 ACME at 41.70 = 2.4% of nav.', facts);
    expect(r.text).toBe('Exposure: short 300 ACME at 41.20 = 2.1% of nav.');
    expect(r.counts).toMatchObject({ checked: 3, matched: 0, corrected: 3, dropped: 0 });
  });

  it('corrects the nav effect from the move and the share (arithmetic is exact)', () => {
    const r = groundChainOfThought(
      'A probe moves it by about 6%; a short gains about 0.31% of nav.',
      facts,
    );
    expect(r.text).toBe('A probe moves it by about 6%; a short gains about 0.13% of nav.');
    expect(r.counts).toMatchObject({ checked: 2, matched: 1, corrected: 1 });
  });

  it('checks the move against the named event kind when it is known', () => {
    const r = groundChainOfThought('A probe usually moves the stock by about 9%;', facts);
    expect(r.text).toBe('A probe usually moves the stock by about 6%;');
    expect(r.counts.corrected).toBe(1);
  });

  it('drops a move or nav effect it cannot verify when the event kind is unknown', () => {
    const r = groundChainOfThought(
      'Exposure: short 300 ACME = 2.1% of nav. It moves by about 10%; a short gains about 0.21% of nav.',
      { ...facts, typicalMovePct: undefined },
    );
    expect(r.text).toBe('Exposure: short 300 ACME = 2.1% of nav.');
    expect(r.counts).toMatchObject({ matched: 2, dropped: 2, stepsDropped: 2 });
  });

  it('drops a step whose figure matches no input, and records it', () => {
    const r = groundChainOfThought(
      'Event: probe into ACME. Revenue fell 12 quarters in a row. Exposure: short 300 ACME = 2.1% of nav.',
      facts,
    );
    expect(r.text).toBe('Event: probe into ACME. Exposure: short 300 ACME = 2.1% of nav.');
    expect(r.counts).toMatchObject({ checked: 3, matched: 2, dropped: 1, stepsDropped: 1 });
  });

  it('drops position figures when the portfolio holds no position', () => {
    const r = groundChainOfThought(
      'Event: probe into ACME. Exposure: long 300 ACME = 2.1% of nav. Nothing held is exposed, so impact neutral.',
      { side: 'none', quantity: 0, price: 0, sharePct: 0 },
    );
    expect(r.text).toBe('Event: probe into ACME. Nothing held is exposed, so impact neutral.');
    expect(r.counts).toMatchObject({
      checked: 2,
      matched: 0,
      corrected: 0,
      dropped: 2,
      stepsDropped: 1,
    });
  });

  it('corrects a side that contradicts the position', () => {
    const r = groundChainOfThought(
      'Exposure: long 300 ACME = 2.1% of nav. It moves by about 6%; a long gains about 0.13% of nav.',
      facts,
    );
    expect(r.text).toBe(
      'Exposure: short 300 ACME = 2.1% of nav. It moves by about 6%; a short gains about 0.13% of nav.',
    );
    expect(r.counts.sidesCorrected).toBe(2);
  });

  it('leaves only figures that match the inputs: grounding the shown text again matches all', () => {
    const wrong =
      'Event: regulatory probe into ACME. Exposure: short 30 ACME = 21% of nav. A probe usually moves the stock down by about 7%; a short gains about 1.47% of nav, so impact positive, small. Also 99 analysts agree.';
    const once = groundChainOfThought(wrong, facts);
    const twice = groundChainOfThought(once.text, facts);
    expect(twice.counts.checked).toBeGreaterThan(0);
    expect(twice.counts.matched).toBe(twice.counts.checked);
    expect(once.counts.corrected).toBe(4);
    expect(once.counts.stepsDropped).toBe(1);
  });

  it("replaces a misspelt ticker by the position's when the symbol is known", () => {
    const r = groundChainOfThought(
      'Event: probe into ACNE. Exposure: short 300 ACME = 2.1% of nav.',
      {
        ...facts,
        symbol: 'ACME',
      },
    );
    expect(r.text).toBe('Event: probe into ACME. Exposure: short 300 ACME = 2.1% of nav.');
    expect(r.counts.symbolsCorrected).toBe(1);
  });

  it('reads a tiny share with two decimals', () => {
    const r = groundChainOfThought('Exposure: long 40 X = 0.10% of nav.', {
      ...facts,
      side: 'long',
      quantity: 40,
      sharePct: 0.12,
    });
    expect(r.text).toBe('Exposure: long 40 X = 0.12% of nav.');
  });
});

describe('ticker correction never mangles text', () => {
  it('keeps a dotted ticker whole (GRP.B never becomes GRP.B.B)', () => {
    const r = correctTickers(
      'Event: guidance cut at GRP.B. Exposure: long 100 GRP.B = 8.0% of nav.',
      'GRP.B',
    );
    expect(r).toEqual({
      text: 'Event: guidance cut at GRP.B. Exposure: long 100 GRP.B = 8.0% of nav.',
      corrected: 0,
    });
  });

  it('corrects a misspelt dotted ticker and the bare class root in the exposure slot', () => {
    expect(correctTickers('Exposure: long 100 GRP.A = 8.0% of nav.', 'GRP.B')).toEqual({
      text: 'Exposure: long 100 GRP.B = 8.0% of nav.',
      corrected: 1,
    });
    expect(correctTickers('Exposure: long 100 GRP = 8.0% of nav.', 'GRP.B').text).toBe(
      'Exposure: long 100 GRP.B = 8.0% of nav.',
    );
  });

  it('leaves acronyms and unrelated capitals alone', () => {
    const text = 'Event: SEC probe after the CEO left ACME; the FDA and the EU are not involved.';
    expect(correctTickers(text, 'ACME')).toEqual({ text, corrected: 0 });
    expect(correctTickers('The SEC charged GRP.B executives.', 'GRP.B')).toEqual({
      text: 'The SEC charged GRP.B executives.',
      corrected: 0,
    });
  });

  it('through groundChainOfThought: a dotted symbol and an acronym survive grounding', () => {
    const r = groundChainOfThought(
      'Event: regulatory probe into GRP.B by the SEC. Exposure: short 300 GRP.B = 2.1% of nav.',
      {
        symbol: 'GRP.B',
        side: 'short',
        quantity: 300,
        price: 41.2,
        sharePct: 2.1,
        typicalMovePct: 6,
      },
    );
    expect(r.text).toBe(
      'Event: regulatory probe into GRP.B by the SEC. Exposure: short 300 GRP.B = 2.1% of nav.',
    );
    expect(r.counts.symbolsCorrected).toBe(0);
  });
});
