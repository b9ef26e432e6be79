import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { SYMBOL_PATTERN } from '@risk/contracts';
import { ReferenceReadModel } from '@risk/persistence';
import { InstrumentDto } from './instrument.dto';

/** Reference data as ingest stored it from `reference.instruments` / `reference.relations`. */
@ApiTags('reference data')
@Controller('instruments')
export class InstrumentsController {
  private readonly read: ReferenceReadModel;

  constructor(@Inject(DataSource) ds: DataSource) {
    this.read = new ReferenceReadModel(ds);
  }

  @Get(':symbol')
  @ApiParam({
    name: 'symbol',
    example: 'AAPL',
    description: 'Matches ^[A-Z0-9][A-Z0-9.\\-]{0,15}$',
  })
  @ApiOkResponse({
    type: InstrumentDto,
    description: 'The instrument with the relations that touch its issuer',
  })
  @ApiBadRequestResponse({ description: 'Not a valid symbol' })
  @ApiNotFoundResponse({ description: 'No reference data for this symbol' })
  async instrument(@Param('symbol') symbol: string): Promise<InstrumentDto> {
    if (!SYMBOL_PATTERN.test(symbol))
      throw new BadRequestException('symbol must match ^[A-Z0-9][A-Z0-9.\\-]{0,15}$');
    const view = await this.read.instrument(symbol);
    if (!view) throw new NotFoundException(`no reference data for instrument ${symbol}`);
    return view;
  }
}
