import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  Inject,
  Logger,
  Query,
  Res,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { formatPosition, parsePosition, type StreamPosition } from '@risk/alerting';
import { APP_CONFIG, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';
import { AllowQueryToken } from '../auth/auth.decorators';
import { ApiAccessResponses } from '../openapi/response-schemas';
import { StreamEventsRepository } from './stream-events.repository';
import { advancedPosition, behindHorizon, gapEvent } from './stream-gap';
import { StreamQueryDto } from './stream-query.dto';

interface SseResponse {
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
@ApiAccessResponses()
@Controller()
export class StreamController implements BeforeApplicationShutdown {
  private readonly repo: StreamEventsRepository;
  private readonly log = new Logger('Stream');
  /** Open streams, ended at shutdown so the HTTP server can close. */
  private readonly open = new Set<() => void>();

  constructor(
    @Inject(DataSource) ds: DataSource,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
  ) {
    this.repo = new StreamEventsRepository(ds);
  }

  beforeApplicationShutdown(): void {
    for (const stop of this.open) stop();
  }

  @Get('stream')
  @AllowQueryToken()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'text/event-stream of `evaluation` and `alert` events (data: the Evaluation or Alert JSON; id: resume position). ' +
      'When Last-Event-ID is older than the retained window (RETENTION_STREAM_EVENTS_HOURS), the stream starts with a `gap` event ' +
      '(data: {reason, lastEventId, resumeAfter, retentionHours, message}) and goes on after `resumeAfter`.',
    schema: {
      type: 'string',
      description:
        'Server-Sent Events: `event: evaluation|alert|gap`, `id:` and one `data:` JSON line each',
    },
  })
  async stream(
    @Query() q: StreamQueryDto,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Res() res: SseResponse,
  ): Promise<void> {
    const resumeText = lastEventIdHeader ?? q.lastEventId;
    let position: StreamPosition;
    if (resumeText !== undefined && resumeText !== '') {
      const p = parsePosition(resumeText);
      if (!p) throw new BadRequestException('Last-Event-ID is not an event id this stream sent');
      position = p;
    } else {
      position = await this.repo.head();
    }
    const portfolios = q.portfolioId ? q.portfolioId.split(',') : null;

    let open = true;
    let wake: (() => void) | null = null;
    const stop = () => {
      open = false;
      wake?.();
    };
    // The response closes when the client goes away (the request may close earlier).
    res.once('close', stop);
    this.open.add(stop);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 2000\n: stream from ${formatPosition(position)}\n\n`);
    this.metrics.streamClients.inc();
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    let lastWrite = Date.now();
    // A client that gave no id gets one with the first keep-alive, so it can resume from there.
    let lastIdSent = resumeText ? formatPosition(position) : '';
    try {
      while (open) {
        const read = await this.repo.readAfter(position, portfolios, BATCH);
        const horizon = read.horizon;
        if (horizon && behindHorizon(position, horizon)) {
          // Retention deleted (some of) what comes next: say so rather than skip it silently,
          // and go on from the oldest position still kept.
          const ok = res.write(gapEvent(position, horizon, this.cfg.retentionStreamEventsHours));
          position = horizon;
          lastIdSent = formatPosition(position);
          lastWrite = Date.now();
          if (!ok && open) await new Promise<void>((resolve) => res.once('drain', resolve));
          continue;
        }
        const items = read.items;
        for (const item of items) {
          const ok = res.write(
            `id: ${formatPosition(item.position)}\nevent: ${item.kind}\ndata: ${JSON.stringify(item.data)}\n\n`,
          );
          position = item.position;
          lastIdSent = formatPosition(position);
          if (!ok && open) await new Promise<void>((resolve) => res.once('drain', resolve));
        }
        // Other portfolios' rows up to the head are passed over, so a filtered stream whose
        // portfolios stay quiet does not fall behind the retention horizon.
        position = advancedPosition(position, read.head, read.complete);
        if (items.length > 0) lastWrite = Date.now();
        else if (Date.now() - lastWrite >= HEARTBEAT_MS) {
          // An id without data moves the client's Last-Event-ID and dispatches no event.
          const id = formatPosition(position);
          res.write(id !== lastIdSent ? `id: ${id}\n: keep-alive\n\n` : ': keep-alive\n\n');
          lastIdSent = id;
          lastWrite = Date.now();
        }
        if (read.complete && open) await sleep(this.cfg.streamPollMs);
      }
    } catch (e) {
      // Headers are gone already: end the stream; the client reconnects with its last id.
      this.log.warn(`stream ended: ${(e as Error).message}`);
    } finally {
      this.open.delete(stop);
      this.metrics.streamClients.dec();
      res.end();
    }
  }
}
