import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ID_PATTERN } from '@risk/contracts';
import { INSTANT_FORMS, IsInstant } from './query-parsing';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (nextCursor)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class HistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: `Inclusive lower bound on the evaluation time: ${INSTANT_FORMS}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    description: `Exclusive upper bound on the evaluation time: ${INSTANT_FORMS}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @IsInstant()
  to?: string;
}

export class AlertsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN)
  portfolioId?: string;

  @ApiPropertyOptional({ description: `Alerts at or after this time: ${INSTANT_FORMS}` })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @IsInstant()
  since?: string;
}
