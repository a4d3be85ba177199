// Fetching IdP metadata from the URL an admin gave: https only (http only to a loopback host); the host's
// addresses checked and the connection pinned to the checked one (no DNS rebinding); no redirects followed;
// a size limit enforced while reading and one timeout for the whole fetch.
import type { IncomingMessage } from 'node:http';

import { addressesOf, pinnedGet, type ResolvedAddress, type Resolve } from '../pinned-request.js';
import { SsoError, invalidField } from '../sso/errors.js';
import { isLoopbackHost } from './oidc-rules.js';

export interface MetadataFetchOptions {
  /** False for loopback, private, link-local and reserved addresses (the avatar fetch's rule). */
  isPublicAddress: (address: string) => boolean;
  /** Let a non-loopback host resolve to private addresses (the avatar fetch's allowance). */
  allowPrivateHosts: boolean;
  maxBytes: number;
  timeoutMs?: number;
  /** Replaces DNS resolution (tests). */
  lookup?: Resolve;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The metadata text; SsoError `invalid_request` (field `url`) or `upstream_unavailable`, never anything else. */
export async function fetchMetadataText(raw: string, options: MetadataFetchOptions): Promise<string> {
  const url = allowedUrl(raw);
  const address = await checkedAddress(url, options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: IncomingMessage;
  try {
    const headers = {
      accept: 'application/samlmetadata+xml, application/xml, text/xml',
      'user-agent': 'jellyfin-sso',
    };
    response = await pinnedGet(url, address, headers, signal);
  } catch (cause) {
    const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : errorText(cause);
    throw upstream(`The metadata URL ${url.origin} could not be fetched: ${reason}.`, cause);
  }
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    response.destroy();
    const location = response.headers.location;
    const where =
      status >= 300 && status < 400 && location ? ` (redirect to ${location}; give that URL)` : '';
    throw upstream(`The metadata URL answered HTTP ${status}${where}.`);
  }
  return readText(response, options.maxBytes, signal, timeoutMs);
}

function allowedUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidField('url', 'is not a URL');
  }
  if (url.username || url.password) throw invalidField('url', 'must not carry credentials');
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return url;
  throw invalidField('url', 'must be https (http only to a loopback host)');
}

/** The address to connect to: a loopback host is the admin's own machine; any other must be public. */
async function checkedAddress(url: URL, options: MetadataFetchOptions): Promise<ResolvedAddress> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = await addressesOf(url, options.lookup).catch((cause: unknown) => {
    throw upstream(`The metadata host ${hostname} cannot be resolved: ${errorText(cause)}.`, cause);
  });
  const first = addresses[0];
  if (!first) throw upstream(`The metadata host ${hostname} has no address.`);
  if (isLoopbackHost(url.hostname) || options.allowPrivateHosts) return first;
  // Any private answer refuses the host: the connection could otherwise land on it.
  const forbidden = addresses.find((entry) => !options.isPublicAddress(entry.address));
  if (forbidden) {
    throw invalidField(
      'url',
      `${hostname} is the non-public address ${forbidden.address}, which is not fetched`,
    );
  }
  return first;
}

async function readText(
  response: IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      total += bytes.byteLength;
      if (total > maxBytes) {
        response.destroy();
        throw invalidField('url', `the metadata is larger than ${maxBytes} bytes`);
      }
      chunks.push(bytes);
    }
  } catch (error) {
    if (error instanceof SsoError) throw error;
    const reason = signal.aborted ? `no complete answer within ${timeoutMs} ms` : errorText(error);
    throw upstream(`The metadata could not be read: ${reason}.`, error);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function upstream(message: string, cause?: unknown): SsoError {
  return new SsoError('upstream_unavailable', message, { step: 'admin', cause });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
