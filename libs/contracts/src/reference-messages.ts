import { z } from 'zod';
import { safeText } from './input-messages';
import { ID_PATTERN, ISO_UTC_PATTERN, SYMBOL_PATTERN } from './patterns';

/** Reference data (shared/CONTRACT.md § Reference data): instruments and the graph's edges. */
export const INSTRUMENT_TYPES = [
  'equity',
  'bond',
  'etf',
  'option',
  'future',
  'fx',
  'other',
] as const;
export type InstrumentType = (typeof INSTRUMENT_TYPES)[number];

/** Edges between issuer ids. */
export const ISSUER_RELATION_KINDS = [
  'supplier_of',
  'customer_of',
  'subsidiary_of',
  'competitor_of',
  'peer_of',
] as const;
/** An edge from an instrument symbol to the fund or index symbol that holds it. */
export const CONSTITUENT_KIND = 'constituent_of' as const;
export const RELATION_KINDS = [...ISSUER_RELATION_KINDS, CONSTITUENT_KIND] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** Types that are written on another instrument and so need an `underlying`. */
export const DERIVATIVE_TYPES: readonly InstrumentType[] = ['option', 'future'];

export const MAX_ALIASES = 32;
export const MAX_NAME_CHARS = 256;

const id = z.string().regex(ID_PATTERN, 'must be 1..128 chars of [A-Za-z0-9._:-]');
const symbol = z.string().regex(SYMBOL_PATTERN, 'must match ^[A-Z0-9][A-Z0-9.\\-]{0,15}$');
const isoTime = z
  .string()
  .regex(ISO_UTC_PATTERN, 'must be an ISO-8601 UTC time like 2026-11-30T09:30:00.000Z')
  .refine((s) => Number.isFinite(Date.parse(s)), 'is not a real calendar time');
// Stored in PostgreSQL text and jsonb columns, which refuse NUL.
const name = safeText().pipe(
  z
    .string()
    .min(1)
    .max(MAX_NAME_CHARS)
    .refine((s) => s.trim().length > 0, 'must not be blank'),
);

export const InstrumentSchema = z
  .object({
    id,
    ts: isoTime,
    symbol,
    name,
    aliases: z.array(name).max(MAX_ALIASES).default([]),
    /** An entity id shared by all of one issuer's instruments. */
    issuer: id,
    type: z.enum(INSTRUMENT_TYPES),
    sector: safeText().pipe(z.string().min(1).max(64)).nullable().default(null),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
      .nullable()
      .default(null),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code')
      .nullable()
      .default(null),
    underlying: symbol.nullable().default(null),
  })
  .superRefine((v, ctx) => {
    if (DERIVATIVE_TYPES.includes(v.type) && v.underlying === null) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['underlying'],
        message: `an ${v.type} needs the symbol it is written on`,
      });
    }
    if (v.underlying === v.symbol) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['underlying'],
        message: 'an instrument cannot be written on itself',
      });
    }
  });

export const RelationSchema = z
  .object({
    id,
    ts: isoTime,
    from: z.string(),
    to: z.string(),
    kind: z.enum(RELATION_KINDS),
    /** 0 removes the edge; (0, 1] is the strength of the tie. */
    weight: z.number().finite().gte(0, 'must be in [0, 1]').lte(1, 'must be in [0, 1]'),
  })
  .superRefine((v, ctx) => {
    const [pattern, what] =
      v.kind === CONSTITUENT_KIND
        ? [SYMBOL_PATTERN, 'an instrument symbol (constituent_of links symbols)']
        : [ID_PATTERN, 'an issuer id (1..128 chars of [A-Za-z0-9._:-])'];
    for (const end of ['from', 'to'] as const) {
      if (!pattern.test(v[end])) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [end], message: `must be ${what}` });
      }
    }
    if (v.from === v.to) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['to'],
        message: 'an edge needs two ends',
      });
    }
  });

export type Instrument = z.infer<typeof InstrumentSchema>;
export type Relation = z.infer<typeof RelationSchema>;
