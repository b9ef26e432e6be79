import type { InputKind } from './decode-message';
import { DecodeErrorCode } from './decode-message';

/** Kinds of unusable input, shared by the unit test and the dead-letter end-to-end test. */
export interface MalformedCase {
  name: string;
  kind: InputKind;
  key: string | null;
  value: Buffer | string | null;
  code: DecodeErrorCode;
}

const tick = { id: 't-1', symbol: 'AAPL', price: 182.31, ts: '2026-11-30T09:30:00.000Z' };
const news = {
  id: 'n-1',
  ts: '2026-11-30T09:31:05.120Z',
  headline: 'SEC opens probe',
  symbols: ['ACME'],
};
const snap = {
  id: 'p-1',
  portfolioId: 'pf-alpha',
  ts: '2026-11-30T09:00:00.000Z',
  baseCurrency: 'USD',
  cash: 1000,
  positions: [{ symbol: 'AAPL', quantity: 10 }],
};
const j = (v: unknown) => JSON.stringify(v);

export const MALFORMED_CASES: MalformedCase[] = [
  { name: 'empty value', kind: 'tick', key: 'AAPL', value: '', code: DecodeErrorCode.EmptyValue },
  {
    name: 'null value (tombstone)',
    kind: 'news',
    key: 'n-1',
    value: null,
    code: DecodeErrorCode.EmptyValue,
  },
  {
    name: 'not JSON',
    kind: 'tick',
    key: 'AAPL',
    value: 'price=1',
    code: DecodeErrorCode.InvalidJson,
  },
  {
    name: 'truncated JSON',
    kind: 'tick',
    key: 'AAPL',
    value: '{"id":"t-1","sym',
    code: DecodeErrorCode.InvalidJson,
  },
  {
    name: 'invalid UTF-8',
    kind: 'news',
    key: 'n-1',
    value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    code: DecodeErrorCode.InvalidUtf8,
  },
  {
    name: 'JSON array',
    kind: 'tick',
    key: 'AAPL',
    value: j([tick]),
    code: DecodeErrorCode.NotAnObject,
  },
  {
    name: 'JSON string',
    kind: 'tick',
    key: 'AAPL',
    value: '"hello"',
    code: DecodeErrorCode.NotAnObject,
  },
  {
    name: 'missing price',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, price: undefined }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'price as string',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, price: '182.31' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'zero price',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, price: 0 }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'negative price',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, price: -5 }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'absurd price',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, price: 1e300 }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'negative volume',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, volume: -1 }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'lowercase symbol',
    kind: 'tick',
    key: 'aapl',
    value: j({ ...tick, symbol: 'aapl' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'bad id characters',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, id: 'id with spaces' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'id too long',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, id: 'x'.repeat(129) }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'time without zone',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, ts: '2026-11-30T09:30:00' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'impossible date',
    kind: 'tick',
    key: 'AAPL',
    value: j({ ...tick, ts: '2026-13-45T09:30:00.000Z' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'key disagrees with symbol',
    kind: 'tick',
    key: 'MSFT',
    value: j(tick),
    code: DecodeErrorCode.KeyMismatch,
  },
  {
    name: 'missing key',
    kind: 'tick',
    key: null,
    value: j(tick),
    code: DecodeErrorCode.MissingKey,
  },
  {
    name: 'empty headline',
    kind: 'news',
    key: 'n-1',
    value: j({ ...news, headline: '' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'oversized headline',
    kind: 'news',
    key: 'n-1',
    value: j({ ...news, headline: 'h'.repeat(513) }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'oversized body',
    kind: 'news',
    key: 'n-1',
    value: j({ ...news, body: 'b'.repeat(64 * 1024 + 1) }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'too many symbols',
    kind: 'news',
    key: 'n-1',
    value: j({ ...news, symbols: Array.from({ length: 65 }, (_, i) => `S${i}`) }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'news key disagrees with id',
    kind: 'news',
    key: 'n-2',
    value: j(news),
    code: DecodeErrorCode.KeyMismatch,
  },
  {
    name: 'positions not an array',
    kind: 'positions',
    key: 'pf-alpha',
    value: j({ ...snap, positions: {} }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'quantity not finite',
    kind: 'positions',
    key: 'pf-alpha',
    value: j({ ...snap, positions: [{ symbol: 'AAPL', quantity: 'lots' }] }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'missing cash',
    kind: 'positions',
    key: 'pf-alpha',
    value: j({ ...snap, cash: undefined }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'bad currency',
    kind: 'positions',
    key: 'pf-alpha',
    value: j({ ...snap, baseCurrency: 'dollars' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'maxWeight out of range',
    kind: 'positions',
    key: 'pf-alpha',
    value: j({ ...snap, limits: { maxWeight: 1.5 } }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'unknown limit',
    kind: 'positions',
    key: 'pf-alpha',
    value: j({ ...snap, limits: { maxWieght: 0.2 } }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'portfolio key disagrees',
    kind: 'positions',
    key: 'pf-beta',
    value: j(snap),
    code: DecodeErrorCode.KeyMismatch,
  },
  // PostgreSQL's jsonb refuses U+0000; a lone surrogate has no UTF-8 form (docs/contract.md § Choices).
  {
    name: 'NUL character in headline',
    kind: 'news',
    key: 'n-1',
    value: j({ ...news, headline: 'SEC opens\u0000 probe' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'lone surrogate in headline',
    kind: 'news',
    key: 'n-1',
    value: j({ ...news, headline: 'SEC opens \ud800 probe' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'lone low surrogate in body',
    kind: 'news',
    key: 'n-1',
    value: j({ ...news, body: 'details \udc00' }),
    code: DecodeErrorCode.Schema,
  },
  {
    name: 'NUL character in source',
    kind: 'news',
    key: 'n-1',
    value: j({ ...news, source: 'wire\u0000' }),
    code: DecodeErrorCode.Schema,
  },
];

export const VALID_SAMPLES = { tick, news, snap };
