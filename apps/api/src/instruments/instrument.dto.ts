import { ApiProperty } from '@nestjs/swagger';
import { INSTRUMENT_TYPES, RELATION_KINDS } from '@risk/contracts';
import type { InstrumentView, RelationView } from '@risk/persistence';

export class RelationDto implements RelationView {
  @ApiProperty({ example: 'r-1', description: 'The relation id (the Kafka key)' })
  id!: string;

  @ApiProperty({ example: '2026-11-30T08:00:00.000Z' })
  ts!: string;

  @ApiProperty({
    example: 'TSMC',
    description: 'An issuer id; an instrument symbol for constituent_of',
  })
  from!: string;

  @ApiProperty({ example: 'APPLE' })
  to!: string;

  @ApiProperty({ enum: RELATION_KINDS })
  kind!: string;

  @ApiProperty({ minimum: 0, maximum: 1, exclusiveMinimum: true, example: 0.25 })
  weight!: number;

  @ApiProperty({
    description:
      'Both ends are known reference data; an edge to an entity not (yet) known is kept pending',
  })
  resolved!: boolean;
}

export class InstrumentDto implements InstrumentView {
  @ApiProperty({ example: 'AAPL' })
  symbol!: string;

  @ApiProperty({ example: 'i-1', description: 'The id of the message this version came from' })
  id!: string;

  @ApiProperty({ example: '2026-11-30T08:00:00.000Z' })
  ts!: string;

  @ApiProperty({ example: 'Apple Inc.' })
  name!: string;

  @ApiProperty({ type: [String], example: ['Apple'] })
  aliases!: string[];

  @ApiProperty({ example: 'APPLE', description: 'Entity id shared by the issuer’s instruments' })
  issuer!: string;

  @ApiProperty({ enum: INSTRUMENT_TYPES })
  type!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Information Technology' })
  sector!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'US' })
  country!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'USD' })
  currency!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'What a derivative is written on' })
  underlying!: string | null;

  @ApiProperty({ type: [String], description: 'The issuer’s other instruments' })
  issuerInstruments!: string[];

  @ApiProperty({ type: [String], description: 'Instruments whose underlying is this symbol' })
  derivatives!: string[];

  @ApiProperty({
    type: [RelationDto],
    description:
      'Edges that touch the issuer, and constituent_of edges that touch the symbol (weight 0 is no edge)',
  })
  relations!: RelationDto[];
}
