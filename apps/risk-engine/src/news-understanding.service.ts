import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { resolve } from 'node:path';
import {
  NewsUnderstanding,
  encoderFiles,
  ensureNewsEncoder,
  type Story,
  type StoryUnderstanding,
} from '@risk/news-understanding';
import { APP_CONFIG, MODEL_STATUS, type AppConfig, type ModelStatusRegistry } from '@risk/platform';

/** The heads trained by `npm run model:train-news` on the encoder's embeddings. */
export const NEWS_UNDERSTANDING_MODEL = 'models/news-understanding/classifier.json';

/**
 * The pretrained news encoder and its heads, opened once at boot: the encoder is fetched from
 * Maven Central when missing (pinned, checksummed; `npm run infra:up` does it beforehand). When it
 * can be neither found nor fetched, the boot logs why and news is judged by the decoder alone.
 */
@Injectable()
export class NewsUnderstandingService implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(NewsUnderstandingService.name);
  private understanding: NewsUnderstanding | null = null;
  private failure: string | null = null;

  constructor(
    @Inject(MODEL_STATUS) private readonly status: ModelStatusRegistry,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      const files = encoderFiles(process.cwd(), this.cfg.newsEncoderDir);
      ensureNewsEncoder(files, (m) => this.log.log(m));
      this.understanding = await NewsUnderstanding.open(files, resolve(NEWS_UNDERSTANDING_MODEL));
      this.log.log(`news understanding ${this.understanding.modelId}`);
    } catch (e) {
      this.failure = e instanceof Error ? e.message : String(e);
      this.log.error(`news understanding unavailable: ${this.failure}`);
    }
    this.status.set('news-understanding', {
      model: this.modelId,
      reason: this.failure ?? undefined,
      required: false,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.understanding?.close();
  }

  get modelId(): string | null {
    return this.understanding?.modelId ?? null;
  }

  /** The encoder's unit vectors of `texts`, in order; null without the encoder. */
  async embed(texts: readonly string[]): Promise<Float32Array[] | null> {
    const u = this.understanding;
    if (!u) return null;
    const out: Float32Array[] = [];
    for (const t of texts) out.push(await u.embed(t));
    return out;
  }

  /** The story's reading (once per story; a repeat of a recent story reuses its reading). */
  async understand(story: Story): Promise<StoryUnderstanding | null> {
    return this.understanding ? this.understanding.understand(story) : null;
  }
}
