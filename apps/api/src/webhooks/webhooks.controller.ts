import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiAccessResponses,
  DELIVERY_SCHEMA,
  ERROR_SCHEMA,
  WEBHOOK_CREATED_SCHEMA,
  WEBHOOK_SCHEMA,
  listOf,
} from '../openapi/response-schemas';
import {
  BlockedAddressError,
  WebhookRepository,
  checkWebhookUrl,
  type DeliveryView,
  type WebhookSubscription,
} from '@risk/alerting';
import { APP_CONFIG, type AppConfig } from '@risk/platform';
import { RequireRole } from '../auth/auth.decorators';
import { CreateWebhookDto, DeliveriesQueryDto } from './webhook.dto';

/** Webhook subscriptions: admin keys only (URLs and delivery logs are operational data). */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiAccessResponses()
@ApiBadRequestResponse({ description: 'A malformed body, id or query', schema: ERROR_SCHEMA })
@RequireRole('admin')
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly store: WebhookRepository,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  @Post()
  @ApiCreatedResponse({
    description: 'The subscription id and its signing secret (whsec_...), shown only this once',
    schema: WEBHOOK_CREATED_SCHEMA,
  })
  async create(
    @Body() body: CreateWebhookDto,
    @Req() req: { apiKey?: { id: string } },
  ): Promise<{ id: string; secret: string }> {
    try {
      await checkWebhookUrl(body.url, this.cfg.webhookAllowPrivate);
    } catch (e) {
      if (e instanceof BlockedAddressError) throw new BadRequestException(`url: ${e.message}`);
      throw e;
    }
    return this.store.createSubscription({
      url: body.url,
      minLevel: body.minLevel,
      portfolioIds: body.portfolioIds ?? null,
      createdBy: req.apiKey?.id ?? null,
    });
  }

  @Get()
  @ApiOkResponse({ description: 'Subscriptions (without secrets)', schema: listOf(WEBHOOK_SCHEMA) })
  async list(): Promise<{ items: WebhookSubscription[] }> {
    return { items: await this.store.listSubscriptions() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; pending deliveries are cancelled' })
  @ApiNotFoundResponse({ description: 'No such subscription', schema: ERROR_SCHEMA })
  async remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    if (!(await this.store.deleteSubscription(id)))
      throw new NotFoundException(`no webhook subscription ${id}`);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({
    description: 'Deliveries, newest first, each with every attempt',
    schema: listOf(DELIVERY_SCHEMA),
  })
  @ApiNotFoundResponse({ description: 'No such subscription', schema: ERROR_SCHEMA })
  async deliveries(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() q: DeliveriesQueryDto,
  ): Promise<{ items: DeliveryView[] }> {
    if (!(await this.store.getSubscription(id)))
      throw new NotFoundException(`no webhook subscription ${id}`);
    return { items: await this.store.listDeliveries(id, q.limit ?? 50) };
  }
}
