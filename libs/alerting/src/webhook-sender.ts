import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import {
  BlockedAddressError,
  hostOf,
  resolveAllowed,
  systemResolver,
  type Resolver,
} from './ssrf-guard';
import { parseRetryAfter, type AttemptResult } from './retry-policy';

export interface SendResult extends AttemptResult {
  error: string | null;
  durationMs: number;
}

export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
}

/** Nest DI token of the WebhookSender (the HTTP client is an adapter like the repositories). */
export const WEBHOOK_SENDER = Symbol('WEBHOOK_SENDER');

/** How much of an answer's body is read (and for how long) before the socket is cut. */
const DRAIN_BYTES = 64 * 1024;
const DRAIN_MS = 1000;

export interface HttpSenderOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  resolve?: Resolver;
  /** The wall clock (Retry-After dates); durations use the monotonic clock. */
  now?: () => Date;
}

/**
 * POSTs with node:http(s): no redirects are followed (a 3xx is just a failed attempt), the
 * attempt ends with the answer's status line and headers, all bounded by the timeout (a body is
 * never waited for), and the address connected to is the one the SSRF guard
 * checked (the guard runs inside the socket's DNS lookup, so a rebinding name cannot slip by).
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly opts: HttpSenderOptions) {}

  async send(urlText: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const done = (r: Omit<SendResult, 'durationMs'>): SendResult => ({
      ...r,
      durationMs: Math.round(performance.now() - started),
    });
    let url: URL;
    try {
      url = new URL(urlText);
      if (isIP(hostOf(url)) !== 0) await resolveAllowed(hostOf(url), this.opts.allowPrivate);
    } catch (e) {
      return done({ statusCode: null, retryAfterMs: null, error: (e as Error).message });
    }
    const resolve = this.opts.resolve ?? systemResolver;
    const allowPrivate = this.opts.allowPrivate;
    const guardedLookup: LookupFunction = (host, options, callback) => {
      resolveAllowed(host, allowPrivate, resolve).then(
        (addrs) => {
          const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
          const usable = wanted ? addrs.filter((a) => a.family === wanted) : addrs;
          if (usable.length === 0) {
            callback(new BlockedAddressError(`${host} has no IPv${wanted} address`), '', 0);
          } else if (options.all) {
            (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
          } else {
            callback(null, usable[0].address, usable[0].family);
          }
        },
        (e: Error) => callback(e, '', 0),
      );
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<SendResult>((resolvePromise) => {
      let settled = false;
      const finish = (r: Omit<SendResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolvePromise(done(r));
      };
      const req = client.request(
        url,
        {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'risk-service-webhooks/1',
          },
          lookup: guardedLookup,
          agent: false,
        },
        (res) => {
          // The status decides the attempt: a 2xx is delivered even if the body is slow or
          // never ends. The body is not needed; a little of it is drained so a well-behaved
          // receiver's socket closes cleanly, and the rest is cut off.
          finish({
            statusCode: res.statusCode ?? null,
            retryAfterMs: parseRetryAfter(
              typeof res.headers['retry-after'] === 'string'
                ? res.headers['retry-after']
                : undefined,
              (this.opts.now ?? (() => new Date()))(),
            ),
            error: null,
          });
          let drained = 0;
          const cutOff = setTimeout(() => res.destroy(), DRAIN_MS);
          res.on('data', (chunk: Buffer) => {
            drained += chunk.length;
            if (drained > DRAIN_BYTES) res.destroy();
          });
          res.on('close', () => clearTimeout(cutOff));
          res.on('error', () => undefined);
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`timed out after ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
      req.on('error', (e) => finish({ statusCode: null, retryAfterMs: null, error: e.message }));
      req.end(body);
    });
  }
}
