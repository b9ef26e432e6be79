import { Exposure } from './corpus';
import { cutStep, reasonGrounded } from './grounded-reasoning';

describe('cutStep', () => {
  it('cuts at the first sentence or clause end, not at a decimal point', () => {
    expect(cutStep(' Exposure: long 5 X at 41.20 = 2.1% of nav. A probe')).toEqual({
      step: 'Exposure: long 5 X at 41.20 = 2.1% of nav.',
      done: false,
    });
    expect(cutStep(' It moves by about 6%; a short')).toEqual({
      step: 'It moves by about 6%;',
      done: false,
    });
  });

  it('cuts right after the side a conclusion rests on', () => {
    expect(cutStep(' a long loses about 0.2% of nav')).toEqual({ step: 'a long', done: false });
  });

  it('ends the reasoning at the judgement cue or the end of the answer', () => {
    expect(cutStep(' so impact neutral.\nImpact:')).toEqual({
      step: 'so impact neutral.',
      done: true,
    });
    expect(cutStep(' so impact neutral.<|im_end|>')).toEqual({
      step: 'so impact neutral.',
      done: true,
    });
    expect(cutStep('')).toEqual({ step: '', done: true });
  });
});

describe('reasonGrounded', () => {
  const exposure: Exposure = {
    symbol: 'ACME',
    side: 'short',
    quantity: 300,
    price: 41.2,
    sharePct: 2.1,
  };

  it('corrects each step before the model continues from it', async () => {
    const contexts: string[] = [];
    const script = [
      ' Event: regulatory probe into ACME. Exposure',
      ' Exposure: long 350 ACME = 2.4% of nav. A',
      ' A probe usually moves the stock down by about 6%; a',
      ' a long gains',
      ' gains about 0.31% of nav, so',
      ' so impact positive, moderate.\nImpact:',
    ];
    const r = await reasonGrounded('PROMPT', exposure, (context) => {
      contexts.push(context);
      return Promise.resolve(script[contexts.length - 1]);
    });
    expect(r.text).toBe(
      'Event: regulatory probe into ACME. Exposure: short 300 ACME = 2.1% of nav. A probe usually moves the stock down by about 6%; a short gains about 0.13% of nav, so impact positive, moderate.',
    );
    // The third step was generated after the corrected exposure, not after the misread one.
    expect(contexts[2]).toBe(
      'PROMPT Event: regulatory probe into ACME. Exposure: short 300 ACME = 2.1% of nav.',
    );
    expect(r.raw[1]).toBe('Exposure: long 350 ACME = 2.4% of nav.');
    // The conclusion was generated after the corrected side.
    expect(contexts[4]).toMatch(/; a short$/);
    expect(contexts[5]).toMatch(/a short gains about 0\.13% of nav,$/);
    expect(r.counts).toMatchObject({ checked: 4, matched: 1, corrected: 3, sidesCorrected: 2 });
  });

  it('drops a step with an unverifiable figure and stops when the model repeats it', async () => {
    let calls = 0;
    const r = await reasonGrounded(
      'P',
      exposure,
      () => {
        calls++;
        return Promise.resolve(' Shares fell 12 times. x');
      },
      3,
    );
    expect(r.text).toBe('');
    // Dropped once; the unchanged context gives the same step again, which ends the loop.
    expect(r.counts).toMatchObject({ checked: 1, dropped: 1, stepsDropped: 1 });
    expect(calls).toBe(2);
  });

  it('stops after maxSteps', async () => {
    let i = 0;
    const r = await reasonGrounded(
      'P',
      exposure,
      () => Promise.resolve(` Shares fell ${10 + i++} times. x`),
      3,
    );
    expect(r.counts).toMatchObject({ checked: 3, dropped: 3, stepsDropped: 3 });
  });
});
