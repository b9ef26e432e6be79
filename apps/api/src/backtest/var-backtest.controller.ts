import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { backtestRecords } from '@risk/backtest';
import { DailyRiskRepository, RiskReadModel } from '@risk/persistence';
import { portfolioIdOf } from '../risk-read.controller';
import { VarBacktestDto, VarBacktestQueryDto } from './var-backtest.dto';

@ApiTags('risk')
@ApiBearerAuth()
@Controller()
export class VarBacktestController {
  private readonly daily: DailyRiskRepository;
  private readonly read: RiskReadModel;

  constructor(@Inject(DataSource) ds: DataSource) {
    this.daily = new DailyRiskRepository(ds);
    this.read = new RiskReadModel(ds);
  }

  @Get('portfolios/:id/var-backtest')
  @ApiOkResponse({
    type: VarBacktestDto,
    description: 'Each daily var99 against the next day’s P&L (docs/risk-methodology.md § 12)',
  })
  async varBacktest(
    @Param('id') id: string,
    @Query() q: VarBacktestQueryDto,
  ): Promise<VarBacktestDto> {
    const pid = portfolioIdOf(id);
    if (!(await this.read.portfolioExists(pid)))
      throw new NotFoundException(`unknown portfolio ${id}`);
    const days = q.days ?? 250;
    // `days` forecasts need one more close to be judged.
    const records = await this.daily.lastRecords(pid, days + 1);
    return { portfolioId: pid, days, ...backtestRecords(records, days) };
  }
}
