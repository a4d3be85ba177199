// X.509 certificates for SAML provider tests, made with the openssl CLI at test time: a valid one (PEM and
// base64 DER) and one that expired yesterday.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** A valid self-signed certificate, PEM. */
  pem: string;
  /** The same certificate as base64 DER on one line (what IdP metadata carries). */
  base64: string;
  /** An otherwise fine certificate whose notAfter is in the past, PEM. */
  expiredPem: string;
  expiredBase64: string;
}

function base64Of(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'sso-certs-'));
  try {
    const key = join(dir, 'key.pem');
    const run = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    run(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '30',
      '-subj',
      '/CN=idp.example.com',
    );
    run('req', '-new', '-key', key, '-subj', '/CN=old-idp.example.com', '-out', join(dir, 'old.csr'));
    // A negative validity puts notAfter before now: an expired certificate, no faked clock needed.
    run(
      'x509',
      '-req',
      '-in',
      join(dir, 'old.csr'),
      '-signkey',
      key,
      '-days',
      '-1',
      '-out',
      join(dir, 'old.pem'),
    );
    const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const expiredPem = readFileSync(join(dir, 'old.pem'), 'utf8');
    return { pem, base64: base64Of(pem), expiredPem, expiredBase64: base64Of(expiredPem) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
