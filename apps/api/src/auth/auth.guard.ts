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
import {
  APP_CONFIG,
  CLOCK,
  METRICS,
  type AppConfig,
  type Clock,
  type ServiceMetrics,
} from '@risk/platform';
import type { StoredKey } from './api-key.repository';
import { bearerToken, roleAllows, type ApiRole } from './api-keys';
import { PUBLIC_ROUTE, QUERY_TOKEN, REQUIRED_ROLE } from './auth.decorators';
import { KeyLookup } from './key-lookup';
import { peekToken, takeToken, type Bucket } from './token-bucket';

interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  ip?: string;
  socket?: { remoteAddress?: string };
  apiKey?: { id: string; role: ApiRole };
}

interface AuthResponse {
  setHeader(name: string, value: string): void;
}

/** Client addresses whose failures are counted; the least recent is forgotten first. */
const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Every route needs a key (`Authorization: Bearer`, or `?access_token=` where allowed) except
 * those marked @Public; a route may need `admin`. Each key has its own token bucket, and each
 * client address one for failed authentications: past it, a key not already in memory is
 * answered 429 without a look-up.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly buckets = new Map<string, Bucket>();
  private readonly failures = new Map<string, Bucket>();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: KeyLookup,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

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
    const nowMs = this.clock.now().getTime();
    const key = await this.authenticate(token, req, res, nowMs);
    const limited = takeToken(
      this.buckets.get(key.id),
      { ratePerSec: this.cfg.apiRateLimitPerSec, burst: this.cfg.apiRateLimitBurst },
      nowMs,
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

  /** The key of the request, or a 401 (a 429 once the address has used up its failures). */
  private async authenticate(
    token: string | null,
    req: AuthRequest,
    res: AuthResponse,
    nowMs: number,
  ): Promise<StoredKey> {
    const address = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
    const limits = {
      ratePerSec: this.cfg.apiAuthFailureRatePerSec,
      burst: this.cfg.apiAuthFailureBurst,
    };
    const budget = peekToken(this.failures.get(address), limits, nowMs);
    const key = !token
      ? null
      : budget.available
        ? await this.keys.find(token, nowMs)
        : this.keys.cached(token, nowMs);
    if (key) return key;
    const failed = budget.available
      ? takeToken(this.failures.get(address), limits, nowMs)
      : { bucket: this.failures.get(address)!, allowed: false, retryAfterMs: budget.retryAfterMs };
    this.failures.delete(address);
    if (this.failures.size >= MAX_TRACKED_ADDRESSES)
      this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(address, failed.bucket);
    if (!failed.allowed || !budget.available) {
      this.metrics.httpRejected.inc({ reason: 'auth_rate_limited' });
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(failed.retryAfterMs / 1000))));
      throw new HttpException(
        `too many failed authentications from this address: ${this.cfg.apiAuthFailureRatePerSec}/s (burst ${this.cfg.apiAuthFailureBurst})`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    this.metrics.httpRejected.inc({ reason: 'unauthenticated' });
    res.setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException(
      token ? 'API key is not valid' : 'missing API key: send Authorization: Bearer <key>',
    );
  }
}
