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
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
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
  @ApiOkResponse({ description: 'Subscriptions (without secrets)' })
  async list(): Promise<{ items: WebhookSubscription[] }> {
    return { items: await this.store.listSubscriptions() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; pending deliveries are cancelled' })
  async remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    if (!(await this.store.deleteSubscription(id)))
      throw new NotFoundException(`no webhook subscription ${id}`);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({ description: 'Deliveries, newest first, each with every attempt' })
  async deliveries(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() q: DeliveriesQueryDto,
  ): Promise<{ items: DeliveryView[] }> {
    if (!(await this.store.getSubscription(id)))
      throw new NotFoundException(`no webhook subscription ${id}`);
    return { items: await this.store.listDeliveries(id, q.limit ?? 50) };
  }
}
