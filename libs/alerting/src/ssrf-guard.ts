import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * IPv4 addresses a webhook may not reach unless private targets are allowed: this network,
 * private, carrier-grade NAT, loopback, link-local (cloud metadata lives there), IETF protocol
 * assignments, documentation, benchmarking, multicast, reserved and broadcast.
 */
const BLOCKED_V4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED_V4.addSubnet(net, bits, 'ipv4');

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`): judged by the IPv4 address inside. */
const MAPPED = new BlockList();
MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');

/**
 * IPv6 is allowed only inside global unicast (2000::/3), which leaves out by construction
 * unspecified, loopback, IPv4-compatible (`::a.b.c.d`), discard (100::/64), NAT64 (64:ff9b::/96
 * and the local 64:ff9b:1::/48), unique-local, site-local (fec0::/10), link-local and multicast.
 */
const GLOBAL_V6 = new BlockList();
GLOBAL_V6.addSubnet('2000::', 3, 'ipv6');

/**
 * Inside global unicast, the prefixes that embed or reach an IPv4 address or are not routed:
 * Teredo and the other IETF assignments (2001::/23), documentation (2001:db8::/32), 6to4
 * (2002::/16, which reaches any IPv4 address through a relay) and the newer documentation block.
 */
const BLOCKED_V6 = new BlockList();
for (const [net, bits] of [
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
] as const)
  BLOCKED_V6.addSubnet(net, bits, 'ipv6');

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED_V4.check(address, 'ipv4');
  if (family !== 6) return true;
  // node:net matches a mapped address against IPv4 rules, whichever way it is written.
  if (MAPPED.check(address, 'ipv6')) return BLOCKED_V4.check(address, 'ipv6');
  return !GLOBAL_V6.check(address, 'ipv6') || BLOCKED_V6.check(address, 'ipv6');
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
