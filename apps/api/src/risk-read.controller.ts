import {
  BadRequestException,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Query,
} from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ID_PATTERN, type Alert, type Evaluation } from '@risk/contracts';
import { RiskReadModel, type Page, type PortfolioSummary } from '@risk/persistence';
import { AlertsQueryDto, HistoryQueryDto } from './dto/history-query.dto';
import { INSTANT_FORMS, parseCursor, parseInstant } from './dto/query-parsing';

export function portfolioIdOf(id: string): string {
  if (!ID_PATTERN.test(id))
    throw new BadRequestException('portfolio id must be 1..128 chars of [A-Za-z0-9._:-]');
  return id;
}

function cursorOf(cursor?: string): { ts: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const c = parseCursor(cursor);
  if (!c) throw new BadRequestException('cursor is not one this API issued');
  return c;
}

/** The DTO has validated the form already; a form it let through is still a 400, never a 500. */
function isoOf(value?: string): string | undefined {
  if (value === undefined) return undefined;
  const iso = parseInstant(value);
  if (iso === null) throw new BadRequestException(`times must be ${INSTANT_FORMS}`);
  return iso;
}

@ApiTags('risk')
@Controller()
export class RiskReadController {
  constructor(private readonly read: RiskReadModel) {}

  @Get('portfolios')
  @ApiOkResponse({ description: 'Each portfolio with its latest score, level and time' })
  async portfolios(): Promise<{ items: PortfolioSummary[] }> {
    return { items: await this.read.listPortfolios() };
  }

  @Get('portfolios/:id/risk')
  @ApiOkResponse({ description: 'The latest Evaluation of the portfolio' })
  async risk(@Param('id') id: string): Promise<Evaluation> {
    const e = await this.read.latestEvaluation(portfolioIdOf(id));
    if (!e) throw new NotFoundException(`no evaluation for portfolio ${id}`);
    return e;
  }

  @Get('portfolios/:id/evaluations')
  @ApiOkResponse({ description: 'Evaluation history, newest first, keyset-paginated' })
  async history(@Param('id') id: string, @Query() q: HistoryQueryDto): Promise<Page<Evaluation>> {
    const pid = portfolioIdOf(id);
    if (!(await this.read.portfolioExists(pid)))
      throw new NotFoundException(`unknown portfolio ${id}`);
    return this.read.evaluationHistory({
      portfolioId: pid,
      from: isoOf(q.from),
      to: isoOf(q.to),
      limit: q.limit ?? 50,
      cursor: cursorOf(q.cursor),
    });
  }

  @Get('evaluations/:id')
  @ApiOkResponse({ description: 'One Evaluation with its whole explanation' })
  async evaluation(@Param('id', new ParseUUIDPipe()) id: string): Promise<Evaluation> {
    const e = await this.read.getEvaluation(id);
    if (!e) throw new NotFoundException(`no evaluation ${id}`);
    return e;
  }

  @Get('alerts')
  @ApiOkResponse({ description: 'Alerts, newest first, keyset-paginated' })
  async alerts(@Query() q: AlertsQueryDto): Promise<Page<Alert>> {
    return this.read.listAlerts({
      portfolioId: q.portfolioId,
      since: isoOf(q.since),
      limit: q.limit ?? 50,
      cursor: cursorOf(q.cursor),
    });
  }
}
