import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  Inject,
  Logger,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { formatPosition, parsePosition, type StreamPosition } from '@risk/alerting';
import { comparePositions } from '@risk/persistence';
import {
  APP_CONFIG,
  CLOCK,
  METRICS,
  type AppConfig,
  type Clock,
  type ServiceMetrics,
} from '@risk/platform';
import { AllowQueryToken } from '../auth/auth.decorators';
import { StreamEventsRepository } from './stream-events.repository';
import { advancedPosition, behindHorizon, gapEvent } from './stream-gap';
import { StreamHub, StreamLimitError, type StreamHandle } from './stream-hub.service';
import { StreamQueryDto } from './stream-query.dto';

interface SseResponse {
  setHeader(name: string, value: string): void;
  writeHead(status: number, headers: Record<string, string>): void;
  write(chunk: string): boolean;
  once(event: 'drain' | 'close', fn: () => void): void;
  end(): void;
  flushHeaders?(): void;
}

const BATCH = 500;
const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events of committed evaluations and alerts. The event id is the stream position;
 * a client that reconnects with Last-Event-ID gets everything after it, in order, none twice,
 * or, when part of that is past the stream's retention, a `gap` event first that says so.
 */
@ApiTags('stream')
@ApiBearerAuth()
@Controller()
export class StreamController {
  private readonly log = new Logger('Stream');

  constructor(
    private readonly repo: StreamEventsRepository,
    private readonly hub: StreamHub,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('stream')
  @AllowQueryToken()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'text/event-stream of `evaluation` and `alert` events (data: the Evaluation or Alert JSON; id: resume position). ' +
      'When Last-Event-ID is older than the retained window (RETENTION_STREAM_EVENTS_HOURS), the stream starts with a `gap` event ' +
      '(data: {reason, lastEventId, resumeAfter, retentionHours, message}) and goes on after `resumeAfter`. ' +
      'The stream ends when its key is revoked (within STREAM_KEY_CHECK_MS).',
  })
  @ApiBadRequestResponse({
    description: 'Last-Event-ID (or lastEventId) is not an id this stream sent: do not retry it',
  })
  @ApiTooManyRequestsResponse({
    description: 'STREAM_MAX_PER_KEY streams of this key, or STREAM_MAX_TOTAL in all, are open',
  })
  async stream(
    @Query() q: StreamQueryDto,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Req() req: { apiKey?: { id: string } },
    @Res() res: SseResponse,
  ): Promise<void> {
    const resumeText = lastEventIdHeader ?? q.lastEventId;
    let resume: StreamPosition | null = null;
    if (resumeText !== undefined && resumeText !== '') {
      resume = parsePosition(resumeText);
      if (!resume)
        throw new BadRequestException('Last-Event-ID is not an event id this stream sent');
    }
    let handle: StreamHandle;
    try {
      handle = this.hub.open(req.apiKey?.id ?? 'anonymous');
    } catch (e) {
      if (e instanceof StreamLimitError)
        res.setHeader('Retry-After', String(Math.ceil(this.cfg.streamPollMs / 1000) + 4));
      throw e;
    }
    // The response closes when the client goes away (the request may close earlier).
    res.once('close', () => handle.release());
    try {
      await this.serve(handle, resume ?? (await this.repo.head()), resumeText, q, res);
    } finally {
      handle.release();
    }
  }

  private async serve(
    handle: StreamHandle,
    start: StreamPosition,
    resumeText: string | undefined,
    q: StreamQueryDto,
    res: SseResponse,
  ): Promise<void> {
    let position = start;
    const portfolios = q.portfolioId ? q.portfolioId.split(',') : null;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 2000\n: stream from ${formatPosition(position)}\n\n`);
    this.metrics.streamClients.inc();
    const nowMs = () => this.clock.now().getTime();
    const drained = () =>
      Promise.race([new Promise<void>((resolve) => res.once('drain', resolve)), handle.stopped]);
    let lastWrite = nowMs();
    // A client that gave no id gets one with the first keep-alive, so it can resume from there.
    let lastIdSent = resumeText ? formatPosition(position) : '';
    let mustRead = true;
    try {
      while (handle.open) {
        if (mustRead) {
          const read = await this.repo.readAfter(position, portfolios, BATCH);
          const horizon = read.horizon;
          if (horizon && behindHorizon(position, horizon)) {
            // Retention deleted (some of) what comes next: say so rather than skip it silently,
            // and go on from the oldest position still kept.
            const ok = res.write(gapEvent(position, horizon, this.cfg.retentionStreamEventsHours));
            position = horizon;
            lastIdSent = formatPosition(position);
            lastWrite = nowMs();
            if (!ok && handle.open) await drained();
            continue;
          }
          for (const item of read.items) {
            const ok = res.write(
              `id: ${formatPosition(item.position)}\nevent: ${item.kind}\ndata: ${JSON.stringify(item.data)}\n\n`,
            );
            position = item.position;
            lastIdSent = formatPosition(position);
            if (!ok && handle.open) await drained();
          }
          // Other portfolios' rows up to the head are passed over, so a filtered stream whose
          // portfolios stay quiet does not fall behind the retention horizon.
          position = advancedPosition(position, read.head, read.complete);
          if (read.items.length > 0) lastWrite = nowMs();
          mustRead = !read.complete;
          if (mustRead) continue;
        }
        if (nowMs() - lastWrite >= HEARTBEAT_MS) {
          // An id without data moves the client's Last-Event-ID and dispatches no event.
          const id = formatPosition(position);
          res.write(id !== lastIdSent ? `id: ${id}\n: keep-alive\n\n` : ': keep-alive\n\n');
          lastIdSent = id;
          lastWrite = nowMs();
        }
        // The shared poller wakes every stream with the head; only those behind it read.
        const head = await handle.nextHead();
        if (head === null) break;
        mustRead = comparePositions(head, position) > 0;
      }
    } catch (e) {
      // Headers are gone already: end the stream; the client reconnects with its last id.
      this.log.warn(`stream ended: ${(e as Error).message}`);
    } finally {
      this.metrics.streamClients.dec();
      res.end();
    }
  }
}
