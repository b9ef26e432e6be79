import {
  DEAD_LETTER_MAX_BYTES,
  RECORD_OVERHEAD_BYTES,
  buildDeadLetter,
  serializedBytes,
  splitBySize,
} from './dead-letter';
import { DecodeErrorCode } from './decode-message';

const error = { code: DecodeErrorCode.InvalidJson, message: 'message value is not JSON' };
const now = new Date('2026-11-30T10:00:00.000Z');
const letterOf = (value: Buffer, key: Buffer | null = Buffer.from('k')) =>
  buildDeadLetter({ topic: 'market.ticks', partition: 0, offset: '9', key, value, error, now });

describe('dead letters that fit the broker', () => {
  it('cuts 200 KiB of control bytes (6 JSON bytes each) to a letter under the limit', () => {
    const raw = Buffer.alloc(200 * 1024, 0x01);
    // Escaped, the whole value would make a 1.23 MB letter.
    expect(Buffer.byteLength(JSON.stringify(raw.toString('utf8')))).toBe(200 * 1024 * 6 + 2);
    const letter = letterOf(raw);
    expect(letter.truncated).toBe(true);
    expect(letter.encoding).toBeUndefined();
    expect(serializedBytes(letter)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
    // As much as fits is kept: one more escaped byte would pass the limit.
    expect(serializedBytes(letter) + 6).toBeGreaterThan(DEAD_LETTER_MAX_BYTES);
    expect(raw.toString('utf8').startsWith(letter.value!)).toBe(true);
  });

  it('leaves a letter that fits as it is', () => {
    const letter = letterOf(Buffer.from('{"id":'));
    expect(letter.truncated).toBeUndefined();
    expect(letter.value).toBe('{"id":');
  });

  it('cuts base64 on a 4-character boundary and text outside a surrogate pair', () => {
    const bin = Buffer.alloc(900_000, 0xff); // not UTF-8: base64, 1.2 MB of text
    const b = letterOf(bin);
    expect(b.encoding).toBe('base64');
    expect(b.truncated).toBe(true);
    expect(b.value!.length % 4).toBe(0);
    expect(serializedBytes(b)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
    expect(bin.subarray(0, 3).equals(Buffer.from(b.value!, 'base64').subarray(0, 3))).toBe(true);

    const rockets = Buffer.from('\u{1F680}'.repeat(300_000)); // 4 UTF-8 bytes, 2 UTF-16 units
    const t = letterOf(rockets);
    expect(t.truncated).toBe(true);
    expect(/[\uD800-\uDBFF]$/.test(t.value!)).toBe(false);
    expect(serializedBytes(t)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
  });

  it('cuts a huge key too when the value alone cannot make it fit', () => {
    const letter = letterOf(Buffer.from('x'), Buffer.alloc(1_100_000, 0x61));
    expect(letter.truncated).toBe(true);
    expect(letter.key!.length).toBe(1024);
    expect(serializedBytes(letter)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
  });
});

describe('splitBySize', () => {
  it('keeps each group of sends under the limit, in order', () => {
    const letters = Array.from({ length: 7 }, (_, i) => ({
      key: 'market.ticks:0',
      value: `${i}`.padEnd(400_000, 'x'),
    }));
    const groups = splitBySize(letters);
    expect(groups.map((g) => g.length)).toEqual([2, 2, 2, 1]);
    expect(groups.flat()).toEqual(letters);
    for (const g of groups) {
      const bytes = g.reduce(
        (n, m) => n + m.value.length + m.key.length + RECORD_OVERHEAD_BYTES,
        0,
      );
      expect(bytes).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
    }
  });

  it('gives a message at the limit a group of its own', () => {
    const big = { key: null, value: 'y'.repeat(DEAD_LETTER_MAX_BYTES - 10) };
    expect(splitBySize([big, big]).map((g) => g.length)).toEqual([1, 1]);
  });
});
