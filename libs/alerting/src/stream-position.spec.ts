import fc from 'fast-check';
import { formatPosition, parsePosition } from './stream-position';

describe('stream positions', () => {
  it('read back every id the stream sends', () => {
    expect(parsePosition('-1-0')).toEqual({ txId: '-1', seq: '0' });
    expect(parsePosition(' 812-3 ')).toEqual({ txId: '812', seq: '3' });
    expect(parsePosition('9223372036854775807-9223372036854775807')).toEqual({
      txId: '9223372036854775807',
      seq: '9223372036854775807',
    });
    fc.assert(
      fc.property(fc.bigInt(0n, 2n ** 63n - 1n), fc.bigInt(0n, 2n ** 63n - 1n), (tx, seq) => {
        const p = { txId: tx.toString(), seq: seq.toString() };
        const back = parsePosition(formatPosition(p));
        return back !== null && back.txId === p.txId && back.seq === p.seq;
      }),
    );
  });

  it('refuse ids beyond a bigint, so a client is told instead of reconnecting for ever', () => {
    expect(parsePosition('9223372036854775808-0')).toBeNull();
    expect(parsePosition('1-9999999999999999999')).toBeNull();
    expect(parsePosition('12345678901234567890-1')).toBeNull();
    expect(parsePosition('1-2-3')).toBeNull();
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (t) => {
        const p = parsePosition(t);
        return (
          p === null ||
          (BigInt(p.txId) >= -1n && BigInt(p.txId) < 2n ** 63n && BigInt(p.seq) < 2n ** 63n)
        );
      }),
    );
  });
});
