import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
} from 'class-validator';
import { ID_PATTERN, RISK_LEVELS, type RiskLevel } from '@risk/contracts';
import { PageQueryDto } from '../dto/history-query.dto';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://example.com/hooks/risk', maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url!: string;

  @ApiProperty({ enum: RISK_LEVELS, description: 'Alerts at this level or above are sent' })
  @IsIn(RISK_LEVELS)
  minLevel!: RiskLevel;

  @ApiPropertyOptional({ type: [String], description: 'Only these portfolios (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @Matches(ID_PATTERN, { each: true })
  portfolioIds?: string[];
}

/** Deliveries take the same `limit` as the other listings. */
export class DeliveriesQueryDto extends PickType(PageQueryDto, ['limit'] as const) {}
