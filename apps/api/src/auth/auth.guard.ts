import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { APP_CONFIG, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';
import { ApiKeyRepository, type StoredKey } from './api-key.repository';
import { bearerToken, hashApiKey, roleAllows, sameHash, type ApiRole } from './api-keys';
import { PUBLIC_ROUTE, QUERY_TOKEN, REQUIRED_ROLE } from './auth.decorators';
import { takeToken, type Bucket } from './token-bucket';

interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  apiKey?: { id: string; role: ApiRole };
}

interface AuthResponse {
  setHeader(name: string, value: string): void;
}

const MAX_CACHED_KEYS = 10_000;

/**
 * Every route needs a key (`Authorization: Bearer`, or `?access_token=` where allowed) except
 * those marked @Public; a route may need `admin`. Each key has its own token bucket.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeyRepository;
  private readonly cache = new Map<string, { key: StoredKey | null; atMs: number }>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(DataSource) ds: DataSource,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
  ) {
    this.keys = new ApiKeyRepository(ds);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthRequest>();
    const res = ctx.switchToHttp().getResponse<AuthResponse>();
    const header = req.headers.authorization;
    let token = bearerToken(typeof header === 'string' ? header : undefined);
    if (!token && this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN, targets)) {
      const q = req.query.access_token;
      token = typeof q === 'string' && q.length <= 512 ? q : null;
    }
    const key = token ? await this.lookup(token) : null;
    if (!key) {
      this.metrics.httpRejected.inc({ reason: 'unauthenticated' });
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException(
        token ? 'API key is not valid' : 'missing API key: send Authorization: Bearer <key>',
      );
    }
    const limited = takeToken(
      this.buckets.get(key.id),
      { ratePerSec: this.cfg.apiRateLimitPerSec, burst: this.cfg.apiRateLimitBurst },
      Date.now(),
    );
    this.buckets.set(key.id, limited.bucket);
    if (!limited.allowed) {
      this.metrics.httpRejected.inc({ reason: 'rate_limited' });
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(limited.retryAfterMs / 1000))));
      throw new HttpException(
        `rate limit of ${this.cfg.apiRateLimitPerSec}/s (burst ${this.cfg.apiRateLimitBurst}) exceeded for this key`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const needed = this.reflector.getAllAndOverride<ApiRole>(REQUIRED_ROLE, targets) ?? 'viewer';
    if (!roleAllows(key.role, needed)) {
      this.metrics.httpRejected.inc({ reason: 'forbidden' });
      throw new ForbiddenException(`this route needs the ${needed} role; the key is ${key.role}`);
    }
    req.apiKey = { id: key.id, role: key.role };
    return true;
  }

  /** A key found (or not) is remembered for API_KEY_CACHE_MS, which bounds revocation delay. */
  private async lookup(token: string): Promise<StoredKey | null> {
    const hash = hashApiKey(token);
    const now = Date.now();
    const hit = this.cache.get(hash);
    let key: StoredKey | null;
    if (hit && now - hit.atMs < this.cfg.apiKeyCacheMs) {
      key = hit.key;
    } else {
      key = await this.keys.findByHash(hash);
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(hash, { key, atMs: now });
    }
    if (!key || key.revoked || !sameHash(key.hash, hash)) return null;
    return key;
  }
}
