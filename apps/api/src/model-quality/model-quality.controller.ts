import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { LOSS_LABEL_TEXT } from '@risk/contracts/loss-label';
import { ApiAccessResponses, MODEL_QUALITY_SCHEMA } from '../openapi/response-schemas';
import { ModelQualityService, type ModelQualityReport } from './model-quality.service';

const WINDOW = /^([1-9][0-9]{0,3})(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MIN_WINDOW_MS = 10 * 60_000;
const MAX_WINDOW_MS = 90 * 86_400_000;

export class ModelQualityQueryDto {
  @ApiPropertyOptional({
    description: 'Event-time window up to the newest evaluation: <n>m, <n>h or <n>d, 10m..90d',
    default: '24h',
    example: '7d',
  })
  @IsOptional()
  @Matches(WINDOW, { message: 'window must be <n>m, <n>h or <n>d (10m..90d)' })
  window?: string;
}

/** Parses a window, or null when it is outside 10m..90d. */
export function windowMs(window: string): number | null {
  const m = WINDOW.exec(window);
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms >= MIN_WINDOW_MS && ms <= MAX_WINDOW_MS ? ms : null;
}

@ApiTags('risk')
@ApiBearerAuth()
@ApiAccessResponses()
@Controller()
export class ModelQualityController {
  constructor(private readonly quality: ModelQualityService) {}

  @Get('model-quality')
  @ApiOkResponse({
    description:
      'Brier, AUC and calibration by score band of the merged score against realized outcomes ' +
      `(a ${LOSS_LABEL_TEXT}); docs/risk-methodology.md § 13`,
    schema: MODEL_QUALITY_SCHEMA,
  })
  async modelQuality(@Query() q: ModelQualityQueryDto): Promise<ModelQualityReport> {
    const window = q.window ?? '24h';
    const ms = windowMs(window);
    if (ms === null) throw new BadRequestException('window must be between 10m and 90d');
    return this.quality.assess(ms, window);
  }
}
