import { DecodeErrorCode } from './decode-message';
import { decodeReference } from './decode-reference';

const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

const instrument = {
  id: 'i-1',
  ts: '2026-11-30T08:00:00.000Z',
  symbol: 'AAPL',
  name: 'Apple Inc.',
  aliases: ['Apple'],
  issuer: 'APPLE',
  type: 'equity',
  sector: 'Information Technology',
  country: 'US',
  currency: 'USD',
  underlying: null,
};
const relation = {
  id: 'r-1',
  ts: '2026-11-30T08:00:00.000Z',
  from: 'TSMC',
  to: 'APPLE',
  kind: 'supplier_of',
  weight: 0.25,
};

describe('decodeReference', () => {
  it('accepts the contract examples', () => {
    const i = decodeReference('instrument', buf('AAPL'), buf(instrument));
    expect(i).toEqual({
      ok: true,
      value: { kind: 'instrument', op: 'upsert', key: 'AAPL', value: instrument },
    });
    const r = decodeReference('relation', buf('r-1'), buf(relation));
    expect(r).toEqual({
      ok: true,
      value: { kind: 'relation', op: 'upsert', key: 'r-1', value: relation },
    });
  });

  it('defaults the optional fields', () => {
    const r = decodeReference(
      'instrument',
      buf('X1'),
      buf({ id: 'i', ts: instrument.ts, symbol: 'X1', name: 'X', issuer: 'X', type: 'bond' }),
    );
    expect(r.ok && r.value.op === 'upsert' && r.value.value).toMatchObject({
      aliases: [],
      sector: null,
      country: null,
      currency: null,
      underlying: null,
    });
  });

  it('reads a tombstone as a removal of its key, and a weight 0 as a version with no edge', () => {
    expect(decodeReference('instrument', buf('AAPL'), null)).toEqual({
      ok: true,
      value: { kind: 'instrument', op: 'delete', key: 'AAPL' },
    });
    expect(decodeReference('relation', buf('r-1'), null)).toEqual({
      ok: true,
      value: { kind: 'relation', op: 'delete', key: 'r-1' },
    });
    const zero = decodeReference('relation', buf('r-1'), buf({ ...relation, weight: 0 }));
    expect(
      zero.ok &&
        zero.value.kind === 'relation' &&
        zero.value.op === 'upsert' &&
        zero.value.value.weight,
    ).toBe(0);
  });

  it.each([
    ['a tombstone without a key', 'relation', null, null, DecodeErrorCode.MissingKey],
    ['a tombstone with a bad symbol', 'instrument', 'aapl', null, DecodeErrorCode.Schema],
    ['an unknown type', 'instrument', 'AAPL', { ...instrument, type: 'warrant' }, 'type'],
    ['a lower-case symbol', 'instrument', 'aapl', { ...instrument, symbol: 'aapl' }, 'symbol'],
    ['a bad issuer id', 'instrument', 'AAPL', { ...instrument, issuer: 'AP PLE' }, 'issuer'],
    [
      'an option with no underlying',
      'instrument',
      'AAPL',
      { ...instrument, type: 'option' },
      'underlying',
    ],
    [
      'a self-underlying',
      'instrument',
      'AAPL',
      { ...instrument, underlying: 'AAPL' },
      'underlying',
    ],
    ['a bad country', 'instrument', 'AAPL', { ...instrument, country: 'USA' }, 'country'],
    ['a key that disagrees', 'instrument', 'MSFT', instrument, DecodeErrorCode.KeyMismatch],
    ['an unknown kind', 'relation', 'r-1', { ...relation, kind: 'friend_of' }, 'kind'],
    ['a weight above 1', 'relation', 'r-1', { ...relation, weight: 1.5 }, 'weight'],
    ['a negative weight', 'relation', 'r-1', { ...relation, weight: -0.1 }, 'weight'],
    ['a self-loop', 'relation', 'r-1', { ...relation, to: 'TSMC' }, 'to'],
    ['an issuer edge to a bad id', 'relation', 'r-1', { ...relation, to: 'AP PLE' }, 'to'],
    [
      'a constituent edge from a non-symbol',
      'relation',
      'r-1',
      { ...relation, kind: 'constituent_of', from: 'apple', to: 'XLK' },
      'from',
    ],
    ['a missing key', 'relation', null, relation, DecodeErrorCode.MissingKey],
    ['not JSON', 'relation', 'r-1', '{', DecodeErrorCode.InvalidJson],
  ] as const)('refuses %s with a reason', (_name, kind, key, value, expected) => {
    const r = decodeReference(
      kind,
      key === null ? null : buf(key),
      value === null ? null : buf(value),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    if (Object.values(DecodeErrorCode).includes(expected as DecodeErrorCode)) {
      expect(r.error.code).toBe(expected);
    } else {
      expect(r.error.code).toBe(DecodeErrorCode.Schema);
      expect(r.error.message).toMatch(new RegExp(`^${expected}: `));
    }
  });

  it('refuses a ts more than the allowed skew ahead of the clock, when given a clock', () => {
    const now = new Date('2026-11-30T08:00:00.000Z');
    const ahead = { ...relation, ts: '2026-11-30T08:05:00.001Z' };
    const r = decodeReference('relation', buf('r-1'), buf(ahead), { now });
    expect(!r.ok && r.error.message).toMatch(/^ts: is 300001 ms ahead/);
    expect(
      decodeReference('relation', buf('r-1'), buf(ahead), { now, maxSkewMs: 600_000 }).ok,
    ).toBe(true);
    expect(
      decodeReference(
        'relation',
        buf('r-1'),
        buf({ ...relation, ts: '2026-11-30T08:05:00.000Z' }),
        { now },
      ).ok,
    ).toBe(true);
    expect(decodeReference('relation', buf('r-1'), buf(ahead)).ok).toBe(true);
  });

  it('refuses names, aliases and sectors with a NUL or a lone surrogate (PostgreSQL refuses them)', () => {
    for (const bad of [
      { name: 'Apple\u0000Inc.' },
      { aliases: ['Apple', 'bad \ud800 alias'] },
      { sector: 'Tech\u0000' },
    ]) {
      const r = decodeReference('instrument', buf('AAPL'), buf({ ...instrument, ...bad }));
      expect(!r.ok && r.error).toEqual({
        code: DecodeErrorCode.Schema,
        message: expect.stringMatching(/must not contain NUL characters or lone surrogates/),
      });
    }
  });
});
