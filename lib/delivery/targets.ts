// Safe webhook targets: https to public addresses only. Checked when a subscription is created and again on every
// delivery, at connect time (the addresses the socket connects to are the ones checked, so a DNS answer that changes
// between check and connect cannot point a delivery at a private address).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

export const MAX_URL_LENGTH = 2048;

// Not reachable on the public internet, or special: private (RFC 1918, ULA), loopback, link-local (cloud metadata at
// 169.254.169.254 / fd00:ec2::254), CGNAT, documentation, benchmarking, multicast, reserved, and Azure's host
// endpoint 168.63.129.16.
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4], ['168.63.129.16', 32],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** An IPv4 address carried inside an IPv6 one (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, compatible ::a.b.c.d). */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export function isLoopbackAddress(address: string): boolean {
  const v4 = isIP(address) === 6 ? embeddedIpv4(address) : address;
  if (v4 !== undefined && isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

/** True when `address` (an IP literal) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return isPublicAddress(v4);
    return !blocked.check(address, 'ipv6');
  }
  return false;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The URL's syntax and scheme: https (or, with allowLoopback, http to 127.0.0.1 / localhost / [::1]), no credentials,
 * no fragment, an IP literal only if public. Names are resolved by `checkTarget`.
 */
export function parseTargetUrl(raw: string, allowLoopback: boolean): URL {
  if (raw.length === 0 || raw.length > MAX_URL_LENGTH) throw new TargetError(`url must be 1 to ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetError('url is not a valid absolute URL.');
  }
  const loopbackHost = LOOPBACK_NAMES.has(url.hostname.toLowerCase());
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowLoopback && loopbackHost)) {
    throw new TargetError('url must use https.');
  }
  if (url.username || url.password) throw new TargetError('url must not carry credentials.');
  if (url.hash) throw new TargetError('url must not have a fragment.');
  if (loopbackHost && allowLoopback) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost')) {
    throw new TargetError('url must point at a public address (localhost is refused).');
  }
  if (isIP(host) !== 0 && !isPublicAddress(host)) {
    throw new TargetError(`url must point at a public address (${host} is private, loopback, link-local or reserved).`);
  }
  return url;
}

export type Resolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/** The addresses a delivery to `url` may connect to: every one the name resolves to must be allowed. */
export async function allowedAddresses(url: URL, allowLoopback: boolean, resolve: Resolver = systemResolver): Promise<LookupAddress[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopbackHost = LOOPBACK_NAMES.has(url.hostname.toLowerCase());
  let addresses: LookupAddress[];
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new TargetError(`url's host ${host} does not resolve.`);
    }
  }
  if (addresses.length === 0) throw new TargetError(`url's host ${host} does not resolve.`);
  for (const { address } of addresses) {
    const ok = isPublicAddress(address) || (allowLoopback && loopbackHost && isLoopbackAddress(address));
    if (!ok) throw new TargetError(`url's host ${host} resolves to ${address}, which is not a public address.`);
  }
  return addresses;
}

/** Registration-time check: syntax, scheme and every resolved address. */
export async function checkTarget(raw: string, allowLoopback: boolean, resolve: Resolver = systemResolver): Promise<URL> {
  const url = parseTargetUrl(raw, allowLoopback);
  await allowedAddresses(url, allowLoopback, resolve);
  return url;
}
