// Outbound GETs to a URL someone else chose (an avatar from claims, IdP metadata from an admin): the host's
// addresses are resolved once, checked by the caller, and the connection is pinned to the checked address,
// so a second DNS answer cannot send it elsewhere (DNS rebinding). Used by media-server/shared/avatar.ts and
// protocols/saml-metadata-fetch.ts.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a DNS name (tests may replace it). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** Every address of the DNS name, as the system resolver answers. */
export const resolveWithDns: Resolve = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

/** The addresses a URL's host stands for: an IP literal itself, a name through `resolve` (rejects as it does). */
export async function addressesOf(url: URL, resolve: Resolve = resolveWithDns): Promise<ResolvedAddress[]> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(hostname);
  return literal ? [{ address: hostname, family: literal === 6 ? 6 : 4 }] : resolve(hostname);
}

/** GET over node:http(s) with the socket pinned to `address`; resolves with the response head. */
export function pinnedGet(
  url: URL,
  address: ResolvedAddress,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'GET', lookup, signal, headers }, resolve);
    request.on('error', reject);
    request.end();
  });
}
