// The rules of the SAML Test one by one (src/protocols/saml-diagnostics.ts, saml-sso-probe.ts): certificate
// dates and key types, the SSO URL's answer, the values to register, the clock skew and the signatures.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { diagnoseSaml } from '../../src/protocols/saml-diagnostics.js';
import type { ProviderCheck } from '../../src/sso/ports.js';
import type { SamlProviderSettings } from '../../src/sso/provider-settings.js';
import { ACS_URL, keys, samlProvider } from './harness.js';

const METADATA_URL = 'https://jellyfin.example.test/sso/SAML/metadata/corp';
/** Inside the validity of the IdP fixture certificate (2026-11-29 to 2126-11-05). */
const NOW = new Date('2030-01-01T12:00:00.000Z');

let server: Server;
let answerStatus = 400;
let ssoUrl: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answerStatus, { 'content-type': 'text/plain' });
    res.end('an IdP page');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  ssoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sso`;
});
afterAll(async () => {
  server.close();
  await once(server, 'close');
});

async function run(
  settings: Partial<SamlProviderSettings> = {},
  options: { clockSkewSeconds?: number; now?: Date; acsUrl?: string; spSigningKey?: string } = {},
): Promise<Record<string, ProviderCheck>> {
  const checks = await diagnoseSaml({
    provider: samlProvider({ samlEndpoint: ssoUrl, ...settings }, options.spSigningKey ?? null),
    acsUrl: options.acsUrl ?? ACS_URL,
    metadataUrl: METADATA_URL,
    clockSkewSeconds: options.clockSkewSeconds ?? 120,
    now: options.now ?? NOW,
    timeoutMs: 2_000,
  });
  return Object.fromEntries(checks.map((check) => [check.check, check]));
}

/** A self-signed certificate with an Ed25519 key, made with the openssl CLI. */
function ed25519Certificate(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sso-ed25519-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', join(dir, 'key.pem')].concat([
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '365',
        '-subj',
        '/CN=ed-idp',
      ]),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return new X509Certificate(readFileSync(join(dir, 'cert.pem'))).raw.toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('saml.certificate', () => {
  it('when the certificate is not valid yet, then it fails', async () => {
    const checks = await run({}, { now: new Date('2020-01-01T00:00:00Z') });
    expect(checks['saml.certificate']).toMatchObject({ status: 'fail' });
    expect(checks['saml.certificate']?.detail).toContain('not valid before');
  });

  it('when the certificate cannot be read, then it fails', async () => {
    expect((await run({ samlCertificate: 'bm90IGEgY2VydGlmaWNhdGU=' }))['saml.certificate']).toMatchObject({
      status: 'fail',
    });
  });

  it('when the certificate is valid for years, then it passes and names its subject', async () => {
    const certificate = (await run())['saml.certificate'];
    expect(certificate).toMatchObject({ status: 'pass', detail: expect.stringContaining('CN=test-idp') });
  });
});

describe('saml.sso_url', () => {
  it('when the SSO URL answers 5xx, then it warns with the status', async () => {
    answerStatus = 503;
    try {
      const sso = (await run())['saml.sso_url'];
      expect(sso).toMatchObject({ status: 'warn', detail: expect.stringContaining('HTTP 503') });
    } finally {
      answerStatus = 400;
    }
  });

  it('when the SSO URL carries credentials or is not http(s), then it fails without a request', async () => {
    for (const samlEndpoint of ['http://user:pass@127.0.0.1:9/sso', 'ftp://idp.example.test/sso']) {
      const sso = (await run({ samlEndpoint }))['saml.sso_url'];
      expect(sso).toMatchObject({ status: 'fail', detail: expect.stringContaining('was not requested') });
    }
  });
});

describe('values to register, clock skew and signing', () => {
  it('when the ACS URL is plain http on a public host, then it warns; on https it passes with the metadata URL', async () => {
    const http = await run({}, { acsUrl: 'http://jellyfin.example.test/sso/SAML/post/corp' });
    expect(http['saml.acs_url']).toMatchObject({ status: 'warn' });
    const https = await run();
    expect(https['saml.acs_url']).toMatchObject({ status: 'pass' });
    expect(https['saml.acs_url']?.detail).toContain(METADATA_URL);
  });

  it('when the clock skew is 0 or over 300 s, then it warns; 120 s passes', async () => {
    expect((await run({}, { clockSkewSeconds: 0 }))['saml.clock_skew']).toMatchObject({ status: 'warn' });
    expect((await run({}, { clockSkewSeconds: 900 }))['saml.clock_skew']).toMatchObject({ status: 'warn' });
    expect((await run({}, { clockSkewSeconds: 120 }))['saml.clock_skew']).toMatchObject({ status: 'pass' });
  });

  it('when the certificate holds an EC key, then signing passes; an Ed25519 key fails', async () => {
    const ec = new X509Certificate(keys.idpEcCert).raw.toString('base64');
    expect((await run({ samlCertificate: ec }))['saml.signing']).toMatchObject({ status: 'pass' });
    const ed = await run({ samlCertificate: ed25519Certificate() });
    expect(ed['saml.signing']).toMatchObject({ status: 'fail', detail: expect.stringContaining('ed25519') });
  });

  it('when the provider has an SP signing key, then the signing check says AuthnRequests are signed', async () => {
    const signing = (await run({}, { spSigningKey: keys.spKey }))['saml.signing'];
    expect(signing?.detail).toContain('AuthnRequests are signed');
    expect((await run())['saml.signing']?.detail).toContain('AuthnRequests are not signed');
  });
});
