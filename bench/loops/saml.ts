// SAML ACS verification, in-process and without HTTP, in a child of its own. One Response signed by the
// test IdP (samlify, RSA-SHA256, Response signed) is verified again and again, one at a time:
//   service    SamlProtocol.verify() of src/protocols/saml.ts, called directly (not through the ACS, so the
//              replay cache and the flow store are not in the loop: the same response can be verified again)
//   xmlcrypto  xml-crypto alone on the same bytes: base64 decode, DOM parse, find the Signature,
//              loadSignature + checkSignature against the same certificate
// Both get the same warm-up, then `--rounds` alternating slices sharing `--duration` seconds each.
// `--modes service` runs one mode only; `--profile <file>` writes a V8 CPU profile of the measured loop;
// `--response <file>` verifies that response ({ samlResponse, requestId, acsUrl }: one the SAML login case
// made with the same IdP) instead of making one.
// Prints one line: `RESULT {"service":{…},"xmlcrypto":{…},"responseBytes":n}`; a mode whose first
// verification fails carries `error` instead of figures.
//   node --import tsx bench/loops/saml.ts --duration 5 --warmup 2 --rounds 3
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

import { createSamlProtocol } from '../../src/protocols/saml.js';
import type { ProviderRecord, SamlProviderSettings } from '../../src/sso/provider-settings.js';
import { createSamlIdp } from '../../test/support/saml-idp.js';
import { Samples } from '../lib/stats.js';
import { arg } from '../servers/child.js';
import { sharedSettings } from '../../test/support/settings.js';

const require = createRequire(import.meta.url);
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const SP_ENTITY_ID = 'https://jellyfin.example.test/sso/SAML/bench';
const ACS_URL = 'https://jellyfin.example.test/sso/SAML/post/bench';
const IDP_ENTITY_ID = 'https://idp.example.test/bench';

interface SignedXmlLike {
  loadSignature(node: unknown): void;
  checkSignature(xml: string): boolean;
}
const xmlCrypto = require('xml-crypto') as {
  SignedXml: new (options: { publicCert: string }) => SignedXmlLike;
};
const xmldom = require('@xmldom/xmldom') as {
  DOMParser: new () => {
    parseFromString(
      xml: string,
      type: string,
    ): { getElementsByTagNameNS(ns: string, name: string): ArrayLike<unknown> };
  };
};

function fixture(name: string): string {
  return readFileSync(new URL(`../../test/fixtures/saml/${name}`, import.meta.url), 'utf8');
}

function provider(certPem: string): ProviderRecord<SamlProviderSettings> {
  const now = new Date();
  return {
    id: 'bench-saml',
    protocol: 'saml',
    name: 'bench',
    version: 'v1',
    createdAt: now,
    updatedAt: now,
    secrets: { clientSecret: null, spSigningKey: null },
    settings: {
      ...sharedSettings(),
      samlEndpoint: 'https://idp.example.test/sso',
      samlClientId: SP_ENTITY_ID,
      samlCertificate: new X509Certificate(certPem).raw.toString('base64'),
      samlIdpEntityId: IDP_ENTITY_ID,
      samlRoleAttribute: 'Role',
      samlUsernameAttribute: null,
    },
  };
}

type Mode = 'service' | 'xmlcrypto';

interface ModeResult {
  ops?: number;
  cpuMsPerOp?: number;
  seconds?: number;
  opsPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  error?: string;
}

async function main(): Promise<void> {
  const duration = Number(arg('duration', '5'));
  const warmup = Number(arg('warmup', '2'));
  const rounds = Math.max(1, Number(arg('rounds', '1')));
  const certPem = fixture('idp-cert.pem');
  const saml = createSamlProtocol();
  const record = provider(certPem);
  const idp = createSamlIdp({
    entityId: IDP_ENTITY_ID,
    privateKeyPem: fixture('idp-key.pem'),
    certPem,
    lifetimeSeconds: 3_600,
  });
  const given = arg('response', '');
  const { samlResponse, requestId, acsUrl } =
    given === ''
      ? await ownResponse(idp, saml, record)
      : (JSON.parse(readFileSync(given, 'utf8')) as SignedAnswer);
  const now = new Date();

  const operations: Record<Mode, () => unknown> = {
    service: () => saml.verify(record, { samlResponse, acsUrl, expectedRequestId: requestId, now }),
    xmlcrypto: () => {
      const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
      const doc = new xmldom.DOMParser().parseFromString(xml, 'text/xml');
      const signature = doc.getElementsByTagNameNS(DSIG, 'Signature')[0];
      const signed = new xmlCrypto.SignedXml({ publicCert: certPem });
      signed.loadSignature(signature);
      if (!signed.checkSignature(xml)) throw new Error('xml-crypto: signature does not verify');
    },
  };
  const results: Record<Mode, ModeResult> = { service: {}, xmlcrypto: {} };
  const usable: Mode[] = [];
  const modes = arg('modes', 'service,xmlcrypto').split(',') as Mode[];
  for (const mode of modes) {
    try {
      await operations[mode](); // a refusal here means verification is not usable: reported, not measured
      usable.push(mode);
    } catch (error) {
      results[mode].error = error instanceof Error ? error.message : String(error);
    }
  }

  const run = async (mode: Mode, seconds: number, samples: Samples | null): Promise<number> => {
    const once = operations[mode];
    const end = performance.now() + seconds * 1000;
    let ops = 0;
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) break;
      await once();
      samples?.push(performance.now() - t0);
      ops++;
    }
    return ops;
  };
  for (const mode of usable) await run(mode, warmup, null);
  const profile = arg('profile', '');
  const profiler = profile === '' ? null : await startProfiler();
  const samples = new Map(usable.map((mode) => [mode, new Samples()]));
  const totals = new Map(usable.map((mode) => [mode, { ops: 0, seconds: 0, cpuMs: 0 }]));
  // Alternating slices (the order rotates every round) so both modes see the same machine conditions.
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < usable.length; i++) {
      const mode = usable[(i + round) % usable.length] as Mode;
      const began = performance.now();
      const cpu = process.cpuUsage();
      const ops = await run(mode, duration / rounds, samples.get(mode) ?? null);
      const used = process.cpuUsage(cpu);
      const total = totals.get(mode);
      if (total !== undefined) {
        total.ops += ops;
        total.seconds += (performance.now() - began) / 1000;
        total.cpuMs += (used.user + used.system) / 1000;
      }
    }
  }
  if (profiler !== null) writeFileSync(profile, JSON.stringify(await profiler.stop()));
  for (const mode of usable) {
    const total = totals.get(mode) ?? { ops: 0, seconds: 1, cpuMs: 0 };
    const { p50, p99 } = samples.get(mode)?.summary() ?? { p50: Number.NaN, p99: Number.NaN };
    results[mode] = {
      ops: total.ops,
      seconds: total.seconds,
      opsPerSec: total.ops / total.seconds,
      p50Ms: p50,
      p99Ms: p99,
      cpuMsPerOp: total.ops > 0 ? total.cpuMs / total.ops : Number.NaN,
    };
  }
  const responseBytes = Buffer.from(samlResponse, 'base64').length;
  process.stdout.write(`RESULT ${JSON.stringify({ ...results, responseBytes })}\n`);
}

interface SignedAnswer {
  samlResponse: string;
  requestId: string;
  acsUrl: string;
}

/** A response of the test IdP to an AuthnRequest of the service's SAML adapter. */
async function ownResponse(
  idp: ReturnType<typeof createSamlIdp>,
  saml: ReturnType<typeof createSamlProtocol>,
  record: ProviderRecord<SamlProviderSettings>,
): Promise<SignedAnswer> {
  const { url, requestId } = await saml.start(record, { relayState: 'bench', acsUrl: ACS_URL });
  const answer = await idp.respond(url, {
    nameId: 'alice@example.test',
    attributes: { Role: ['jellyfin-users', 'jellyfin-admins'], email: ['alice@example.test'] },
  });
  return { samlResponse: answer.samlResponse, requestId, acsUrl: ACS_URL };
}

/** The V8 CPU profiler of this process, so the profile covers the measured loop only. */
async function startProfiler(): Promise<{ stop(): Promise<unknown> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: Record<string, unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result)));
    });
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return { stop: async () => ((await post('Profiler.stop')) as { profile: unknown }).profile };
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stdout.write(`RESULT ${JSON.stringify({ error: message })}\n`);
  process.exitCode = 1;
});
