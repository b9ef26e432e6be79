import { applyDecorators } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** The response bodies of the API as OpenAPI schemas (docs/contract.md is the reference). */
const str: SchemaObject = { type: 'string' };
const time: SchemaObject = { type: 'string', format: 'date-time' };
const num: SchemaObject = { type: 'number' };
const nullable = (s: SchemaObject): SchemaObject => ({ ...s, nullable: true });
const LEVEL: SchemaObject = { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] };
const object = (properties: Record<string, SchemaObject>, optional: string[] = []) => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
});

/** Every error: `{ statusCode, error, message }`; a 500 also carries `errorId` (logged). */
export const ERROR_SCHEMA: SchemaObject = object(
  {
    statusCode: { type: 'integer' },
    error: str,
    message: { oneOf: [str, { type: 'array', items: str }] },
    errorId: str,
  },
  ['errorId'],
);

export const EVALUATION_SCHEMA: SchemaObject = object(
  {
    id: { type: 'string', format: 'uuid' },
    portfolioId: str,
    ts: time,
    trigger: object({ topic: str, eventId: str }),
    score: { type: 'number', minimum: 0, maximum: 1 },
    level: LEVEL,
    metrics: {
      type: 'object',
      properties: {
        nav: num,
        grossExposure: num,
        netExposure: num,
        maxWeight: num,
        maxWeightSymbol: nullable(str),
        hhi: num,
        var99: num,
        es99: num,
        volAnnualized: num,
        drawdown: num,
        unpriced: { type: 'array', items: str },
      },
      additionalProperties: true,
    },
    explanation: object(
      {
        steps: {
          type: 'array',
          items: object(
            {
              kind: { type: 'string', enum: ['metric', 'limit', 'tree', 'reasoning', 'relation'] },
              text: str,
              data: { type: 'object', additionalProperties: true },
            },
            ['data'],
          ),
        },
        models: { type: 'object', additionalProperties: nullable(str) },
        truncatedPositions: { type: 'integer' },
      },
      ['truncatedPositions'],
    ),
    timings: object({ totalMs: num, reasoningMs: num, cachedTokens: num, newTokens: num }),
  },
  [],
);

export const ALERT_SCHEMA: SchemaObject = object({
  id: { type: 'string', format: 'uuid' },
  portfolioId: str,
  ts: time,
  level: LEVEL,
  previousLevel: nullable(LEVEL),
  evaluationId: { type: 'string', format: 'uuid' },
  reason: str,
});

export const PORTFOLIO_SUMMARY_SCHEMA: SchemaObject = object({
  id: str,
  baseCurrency: str,
  score: nullable(num),
  level: nullable(LEVEL),
  evaluatedAt: nullable(time),
  lastEvaluationId: nullable(str),
});

export const WEBHOOK_SCHEMA: SchemaObject = object({
  id: { type: 'string', format: 'uuid' },
  url: { type: 'string', format: 'uri' },
  minLevel: LEVEL,
  portfolioIds: nullable({ type: 'array', items: str }),
  createdAt: time,
  disabledAt: nullable(time),
  disabledReason: nullable(str),
});

export const WEBHOOK_CREATED_SCHEMA: SchemaObject = object({
  id: { type: 'string', format: 'uuid' },
  secret: { type: 'string', pattern: '^whsec_' },
});

export const DELIVERY_SCHEMA: SchemaObject = object({
  id: str,
  alertId: str,
  incidentId: nullable(str),
  status: { type: 'string', enum: ['pending', 'delivered', 'failed', 'cancelled'] },
  attempts: {
    type: 'array',
    items: object({
      attempt: { type: 'integer' },
      startedAt: time,
      durationMs: num,
      statusCode: nullable({ type: 'integer' }),
      error: nullable(str),
      outcome: str,
    }),
  },
  nextAttemptAt: nullable(time),
  createdAt: time,
  completedAt: nullable(time),
});

const nullableNum = nullable(num);

/** GET /model-quality (docs/risk-methodology.md § 13). */
export const MODEL_QUALITY_SCHEMA: SchemaObject = object({
  window: str,
  from: nullable(time),
  to: nullable(time),
  evaluations: { type: 'integer' },
  resolved: { type: 'integer' },
  positives: { type: 'integer' },
  brier: nullableNum,
  auc: nullableNum,
  bands: {
    type: 'array',
    items: object({
      band: str,
      lo: num,
      hi: num,
      count: { type: 'integer' },
      meanScore: nullableNum,
      observedRate: nullableNum,
    }),
  },
  worstBand: { ...object({ band: str, gap: num, z: num }), nullable: true },
  drift: object({
    bound: num,
    minZ: num,
    minCount: { type: 'integer' },
    drifting: { type: 'boolean' },
  }),
  outcome: object({ horizonMinutes: num, lossFraction: num }),
});

/** `{ items }`, or `{ items, nextCursor }` for a keyset-paginated list. */
export const listOf = (item: SchemaObject): SchemaObject =>
  object({ items: { type: 'array', items: item } });
export const pageOf = (item: SchemaObject): SchemaObject =>
  object({
    items: { type: 'array', items: item },
    nextCursor: { ...str, nullable: true, description: 'Pass as `cursor` for the next page' },
  });

/** What every /api/v1 route may answer before it runs: no key, the wrong role, too fast. */
export const ApiAccessResponses = () =>
  applyDecorators(
    ApiUnauthorizedResponse({
      description: 'No API key, or one that is unknown or revoked',
      schema: ERROR_SCHEMA,
    }),
    ApiForbiddenResponse({ description: 'The key’s role may not do this', schema: ERROR_SCHEMA }),
    ApiTooManyRequestsResponse({
      description: 'The key’s rate limit is spent (Retry-After says when to come back)',
      schema: ERROR_SCHEMA,
    }),
  );
