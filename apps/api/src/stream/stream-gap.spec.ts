import { advancedPosition, behindHorizon, gapEvent, type StreamGap } from './stream-gap';

const p = (txId: string, seq: string) => ({ txId, seq });

describe('stream retention gap', () => {
  it('is behind the horizon only strictly before it', () => {
    expect(behindHorizon(p('5', '10'), null)).toBe(false);
    expect(behindHorizon(p('5', '10'), p('5', '10'))).toBe(false);
    expect(behindHorizon(p('6', '1'), p('5', '10'))).toBe(false);
    expect(behindHorizon(p('5', '9'), p('5', '10'))).toBe(true);
    expect(behindHorizon(p('-1', '0'), p('0', '1'))).toBe(true);
  });

  it('moves a reader to the head only after a complete read', () => {
    expect(advancedPosition(p('5', '1'), p('9', '40'), true)).toEqual(p('9', '40'));
    expect(advancedPosition(p('5', '1'), p('9', '40'), false)).toEqual(p('5', '1'));
    expect(advancedPosition(p('9', '41'), p('9', '40'), true)).toEqual(p('9', '41'));
    expect(advancedPosition(p('5', '1'), null, true)).toEqual(p('5', '1'));
  });

  it('writes a `gap` event whose id is the horizon', () => {
    const text = gapEvent(p('5', '9'), p('7', '20'), 72);
    expect(text.endsWith('\n\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('id: 7-20');
    expect(lines[1]).toBe('event: gap');
    const data = JSON.parse(lines[2].replace(/^data: /, '')) as StreamGap;
    expect(data).toMatchObject({
      reason: 'retention',
      lastEventId: '5-9',
      resumeAfter: '7-20',
      retentionHours: 72,
    });
    expect(lines).toHaveLength(3);
  });
});
