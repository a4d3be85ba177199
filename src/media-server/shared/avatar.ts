// Fetching a user's avatar from a URL the identity provider chose, for either media-server adapter: a claim
// must not make this service call into the LAN (SSRF), hang a login, or fill memory.
//
// http(s) only; every hop's host resolved and refused when any address is loopback/private/link-local/
// unique-local/CGNAT/multicast/reserved (unless `allowPrivateHosts`); the connection is pinned to the address
// that was checked (no DNS rebinding); redirects followed by hand, at most 3, each re-checked;
// PNG/JPEG/GIF/WebP only, checked by content type and by magic bytes; a size limit enforced while streaming;
// one timeout for the whole fetch. Every failure returns null: a missing avatar never fails a login.

import { BlockList, isIP } from 'node:net';
import { addressesOf, pinnedGet, resolveWithDns, type ResolvedAddress } from '../../pinned-request.js';
import { silentLog, type Log } from '../../sso/ports.js';

export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
export const AVATAR_TIMEOUT_MS = 5_000;
export const AVATAR_MAX_REDIRECTS = 3;
const ALLOWED_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
type AvatarType = (typeof ALLOWED_TYPES)[number];

export interface AvatarImage {
  contentType: string;
  bytes: Uint8Array;
}

export type { ResolvedAddress };

export interface FetchAvatarOptions {
  /** Let the URL (or a redirect) point at loopback/private addresses (SSO_AVATAR_ALLOW_PRIVATE_HOSTS). */
  allowPrivateHosts: boolean;
  maxBytes?: number;
  /** For the whole fetch, redirects and body included. */
  timeoutMs?: number;
  /**
   * Replaces the transport (tests, or a proxy-aware fetch). Hosts are still resolved and checked before each
   * hop, but the connection is then no longer pinned to the checked address.
   */
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Replaces DNS resolution (tests). Default: `dns.lookup(host, { all: true })`. */
  lookup?: (hostname: string) => Promise<ResolvedAddress[]>;
  log?: Log;
}

// ---------------------------------------------------------------------------------------------------------
// Which addresses are off limits

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16). */
function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address);
  if (!groups) return null;
  const v4 = (high: number, low: number): string => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  const zero = (from: number, to: number): boolean => groups.slice(from, to).every((group) => group === 0);
  if (zero(0, 5) && groups[5] === 0xffff) return v4(groups[6] ?? 0, groups[7] ?? 0);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6)) return v4(groups[6] ?? 0, groups[7] ?? 0);
  if (groups[0] === 0x2002) return v4(groups[1] ?? 0, groups[2] ?? 0);
  return null;
}

/** Eight 16-bit groups of an IPv6 address (with or without an embedded dotted IPv4 tail). */
function expandIpv6(address: string): number[] | null {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((group) => Number.parseInt(group, 16)) : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<number>(Math.max(fill, 0)).fill(0), ...tail];
  return groups.length === 8 &&
    groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff)
    ? groups
    : null;
}

/** False for loopback, private, link-local, unique-local, CGNAT, multicast and reserved addresses (v4 and v6). */
export function isPublicAddress(input: string): boolean {
  const address = input.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, ''); // brackets and zone id
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedIpv4(address);
  if (v4 !== null) return isIP(v4) === 4 && !blocked.check(v4, 'ipv4');
  return !blocked.check(address, 'ipv6');
}

// ---------------------------------------------------------------------------------------------------------
// Content checks

function sniff(bytes: Uint8Array): AvatarType | null {
  const starts = (...signature: number[]): boolean => signature.every((byte, index) => bytes[index] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  const text = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && text(0, 4) === 'RIFF' && text(8, 12) === 'WEBP') return 'image/webp';
  return null;
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

// ---------------------------------------------------------------------------------------------------------
// Transport: one hop, no redirects followed

interface Hop {
  status: number;
  header(name: string): string | null;
  body: AsyncIterable<Uint8Array>;
  discard(): void;
}

class Refused extends Error {}

/** node:http(s) with the socket pinned to the address we checked (no second DNS answer can differ). */
async function pinnedHop(url: URL, address: ResolvedAddress, signal: AbortSignal): Promise<Hop> {
  const response = await pinnedGet(
    url,
    address,
    { accept: ALLOWED_TYPES.join(', '), 'user-agent': 'jellyfin-sso (avatar)' },
    signal,
  );
  return {
    status: response.statusCode ?? 0,
    header: (name) => {
      const value = response.headers[name.toLowerCase()];
      return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
    },
    body: response,
    discard: () => response.destroy(),
  };
}

async function fetchHop(
  doFetch: NonNullable<FetchAvatarOptions['fetch']>,
  url: URL,
  signal: AbortSignal,
): Promise<Hop> {
  const response = await doFetch(url, {
    redirect: 'manual',
    signal,
    headers: { accept: ALLOWED_TYPES.join(', '), 'user-agent': 'jellyfin-sso (avatar)' },
  });
  const stream = response.body;
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    body: {
      async *[Symbol.asyncIterator]() {
        if (!stream) return;
        const reader = stream.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          reader.releaseLock();
        }
      },
    },
    discard: () => void stream?.cancel().catch(() => undefined),
  };
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Downloads an avatar image, or returns null (and logs why at debug level) when the URL is not allowed,
 * unreachable, too slow, too big, or not a PNG/JPEG/GIF/WebP image. Never throws.
 */
export async function fetchAvatar(url: string, options: FetchAvatarOptions): Promise<AvatarImage | null> {
  const maxBytes = options.maxBytes ?? AVATAR_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? AVATAR_TIMEOUT_MS;
  const resolve = options.lookup ?? resolveWithDns;
  const log = options.log ?? silentLog;
  const signal = AbortSignal.timeout(timeoutMs);
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    log.debug({ reason: 'not a URL' }, 'avatar not fetched');
    return null;
  }

  try {
    for (let redirects = 0; ; redirects++) {
      const address = await checkTarget(current, options.allowPrivateHosts, resolve);
      const hop = options.fetch
        ? await fetchHop(options.fetch, current, signal)
        : await pinnedHop(current, address, signal);

      if ([301, 302, 303, 307, 308].includes(hop.status)) {
        hop.discard();
        const location = hop.header('location');
        if (!location) throw new Refused(`redirect ${hop.status} without Location`);
        if (redirects >= AVATAR_MAX_REDIRECTS)
          throw new Refused(`more than ${AVATAR_MAX_REDIRECTS} redirects`);
        current = new URL(location, current);
        continue;
      }
      if (hop.status !== 200) {
        hop.discard();
        throw new Refused(`status ${hop.status}`);
      }
      const declared = mediaType(hop.header('content-type'));
      if (!(ALLOWED_TYPES as readonly string[]).includes(declared)) {
        hop.discard();
        throw new Refused(`content type "${declared}" is not PNG, JPEG, GIF or WebP`);
      }
      const length = Number(hop.header('content-length') ?? Number.NaN);
      if (Number.isFinite(length) && length > maxBytes) {
        hop.discard();
        throw new Refused(`Content-Length ${length} is over the ${maxBytes}-byte limit`);
      }
      const bytes = await readLimited(hop, maxBytes);
      const actual = sniff(bytes);
      if (!actual) throw new Refused(`the body is not a PNG, JPEG, GIF or WebP image (declared ${declared})`);
      // The bytes decide: a JPEG served as image/png is still a JPEG for Jellyfin's file extension.
      return { contentType: actual, bytes };
    }
  } catch (error) {
    const reason =
      error instanceof Refused
        ? error.message
        : signal.aborted
          ? `no complete answer within ${timeoutMs} ms`
          : error instanceof Error
            ? error.message
            : String(error);
    log.debug({ host: current.host, reason }, 'avatar not fetched');
    return null;
  }
}

/** Scheme and address rules for one hop; returns the address to connect to. */
async function checkTarget(
  url: URL,
  allowPrivateHosts: boolean,
  resolve: (hostname: string) => Promise<ResolvedAddress[]>,
): Promise<ResolvedAddress> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Refused(`scheme ${url.protocol} is not http(s)`);
  if (url.username || url.password) throw new Refused('URLs with credentials are not fetched');
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = await addressesOf(url, resolve).catch((error: unknown) => {
    throw new Refused(
      `cannot resolve ${hostname}: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  const first = addresses[0];
  if (!first) throw new Refused(`${hostname} has no address`);
  // Any private answer refuses the host: the connection could otherwise land on it.
  const forbidden = addresses.find((entry) => !isPublicAddress(entry.address));
  if (forbidden && !allowPrivateHosts) {
    throw new Refused(`${hostname} resolves to the non-public address ${forbidden.address}`);
  }
  return first;
}

async function readLimited(hop: Hop, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of hop.body) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new Refused(`body is over the ${maxBytes}-byte limit`);
      chunks.push(chunk);
    }
  } finally {
    if (total > maxBytes) hop.discard();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
