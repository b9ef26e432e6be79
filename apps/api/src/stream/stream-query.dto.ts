import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export const PORTFOLIO_LIST = /^[A-Za-z0-9._:-]{1,128}(,[A-Za-z0-9._:-]{1,128}){0,99}$/;

export class StreamQueryDto {
  @ApiPropertyOptional({
    description: 'Only events of these portfolios (one id, or several separated by commas)',
  })
  @IsOptional()
  @Matches(PORTFOLIO_LIST)
  portfolioId?: string;

  @ApiPropertyOptional({
    description:
      'Resume after this event id (same as the Last-Event-ID header, which wins when both are sent)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  lastEventId?: string;

  @ApiPropertyOptional({
    description: 'The API key, for clients that cannot send headers (EventSource)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  access_token?: string;
}
