import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_BACKTEST_DAYS = 2500;

export class VarBacktestQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_BACKTEST_DAYS,
    default: 250,
    description: 'How many of the latest daily forecasts to judge (each against the next day)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_BACKTEST_DAYS)
  days?: number;
}

class LikelihoodRatioDto {
  @ApiProperty({ description: 'Likelihood-ratio statistic, χ²(1) under the null' })
  lr!: number;

  @ApiProperty()
  pValue!: number;
}

class EsBacktestDto {
  @ApiProperty({ enum: ['acerbi-szekely-z2'] })
  test!: string;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Z2 (0 expected; below −0.70 yellow, at or below −1.8 red); null = −∞',
  })
  z2!: number | null;

  @ApiProperty({ enum: ['green', 'yellow', 'red'] })
  zone!: string;
}

class BacktestPointDto {
  @ApiProperty({ description: 'Day of the forecast (UTC, YYYY-MM-DD)' })
  date!: string;

  @ApiProperty({ description: 'Next recorded day, whose close gives the P&L' })
  pnlDate!: string;

  @ApiProperty()
  var99!: number;

  @ApiProperty()
  es99!: number;

  @ApiProperty({ description: 'Σ q_t (p_{t+1} − p_t): the next day’s P&L at unchanged positions' })
  pnl!: number;

  @ApiProperty({ description: 'pnl < −var99' })
  exception!: boolean;
}

export class VarBacktestDto {
  @ApiProperty()
  portfolioId!: string;

  @ApiProperty()
  days!: number;

  @ApiProperty()
  observations!: number;

  @ApiProperty()
  exceptions!: number;

  @ApiProperty({ description: 'observations × 1%' })
  expectedExceptions!: number;

  @ApiProperty({ type: LikelihoodRatioDto, description: 'Kupiec proportion of failures' })
  kupiec!: LikelihoodRatioDto;

  @ApiProperty({ type: LikelihoodRatioDto, description: 'Christoffersen independence' })
  christoffersen!: LikelihoodRatioDto;

  @ApiProperty({ enum: ['green', 'yellow', 'red'], description: 'Basel traffic light' })
  zone!: string;

  @ApiProperty({ type: EsBacktestDto, description: 'Expected-shortfall backtest' })
  esBacktest!: EsBacktestDto;

  @ApiProperty({ description: 'Day pairs left out: more than 5 days apart or a price missing' })
  skipped!: number;

  @ApiProperty({ type: [BacktestPointDto] })
  series!: BacktestPointDto[];
}
