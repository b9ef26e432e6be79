import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach unless private targets are allowed: loopback, private,
 * link-local (cloud metadata lives there), carrier-grade NAT, unspecified, multicast, reserved,
 * and the IPv6 equivalents (IPv4-mapped addresses are checked as IPv4).
 */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv6');

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1], 'ipv4');
  return BLOCKED.check(address, 'ipv6');
}

export class BlockedAddressError extends Error {}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/** Host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Resolves the host and refuses it when ANY address is blocked (a name with one public and one
 * private address could otherwise be steered). Returns the addresses to connect to.
 */
export async function resolveAllowed(
  host: string,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<{ address: string; family: number }[]> {
  const family = isIP(host);
  const found = family !== 0 ? [{ address: host, family }] : await resolve(host);
  if (found.length === 0) throw new BlockedAddressError(`${host} does not resolve`);
  if (!allowPrivate) {
    const bad = found.find((a) => isBlockedAddress(a.address));
    if (bad)
      throw new BlockedAddressError(`${host} resolves to a disallowed address ${bad.address}`);
  }
  return found;
}

/** Checks a subscription URL: http(s), no credentials, and an allowed host. */
export async function checkWebhookUrl(
  text: string,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BlockedAddressError('url is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new BlockedAddressError('url must be http or https');
  if (url.username || url.password) throw new BlockedAddressError('url must not carry credentials');
  try {
    await resolveAllowed(hostOf(url), allowPrivate, resolve);
  } catch (e) {
    if (e instanceof BlockedAddressError) throw e;
    throw new BlockedAddressError(`${hostOf(url)} does not resolve`);
  }
  return url;
}
