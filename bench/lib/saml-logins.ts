// Full SAML logins through HTTP, from this (the parent) process, with the test suite's SAML IdP
// (test/support/saml-idp.ts: samlify, RSA-SHA256, Response signed). A response answers one AuthnRequest and
// can be used once, so every login needs its own start and its own signed response: those are prepared
// before each slice (`prepare`, outside the measured time and CPU), and the slice only does what the
// browser does with them:
//   POST /sso/SAML/post/{p} (the ACS: signature, conditions, replay cache, flow lookup → page with the
//   one-time token) → POST /sso/SAML/Auth/{p} with the flow cookie of the start.
// One IdP user per worker (created by the warm-up), as in the OIDC login case.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { authBody, browserGet, browserPostForm, CookieJar, pageParams } from '../../test/support/browser.js';
import { createSamlIdp, type SamlIdp } from '../../test/support/saml-idp.js';
import { workerSlice } from './logins.js';
import type { Raw, Samples } from './stats.js';

/** The same issuer, audience, user shape and key as the in-process verification loops (loops/saml.ts). */
const IDP_ENTITY_ID = 'https://idp.example.test/bench';
const SP_ENTITY_ID = 'https://jellyfin.example.test/sso/SAML/bench';
const ATTRIBUTES = { Role: ['jellyfin-users', 'jellyfin-admins'] };

export const SAML_STEPS = ['acs', 'auth'] as const;

function fixture(name: string): string {
  return readFileSync(new URL(`../../test/fixtures/saml/${name}`, import.meta.url), 'utf8');
}

export function benchSamlIdp(): SamlIdp {
  return createSamlIdp({
    entityId: IDP_ENTITY_ID,
    privateKeyPem: fixture('idp-key.pem'),
    certPem: fixture('idp-cert.pem'),
    lifetimeSeconds: 3_600, // prepared ahead of the slice that uses it
  });
}

/** The provider settings (POST /sso/SAML/Add/{p}) that trust `idp`. */
export function samlProviderBody(idp: SamlIdp): Record<string, unknown> {
  return {
    samlEndpoint: 'https://idp.example.test/sso',
    samlClientId: SP_ENTITY_ID,
    samlCertificate: idp.certificateBase64,
    samlIdpEntityId: IDP_ENTITY_ID,
    samlRoleAttribute: 'Role',
    enabled: true,
    enableAuthorization: true,
    enableAllFolders: true,
    roles: ['jellyfin-users'],
    adminRoles: ['jellyfin-admins'],
  };
}

interface Prepared {
  jar: CookieJar;
  samlResponse: string;
  relayState: string;
}

/** A response of this case as the verification loops need it (loops/saml.ts --response). */
export interface SpareResponse {
  samlResponse: string;
  requestId: string;
  acsUrl: string;
}

/** Logins/s assumed before the first slice; later slices size their stock from the best rate seen. */
const FIRST_GUESS_PER_SECOND = 40;
/** Stock per worker and slice at most, so a very fast service cannot make preparation endless. */
const MOST_PER_WORKER = 2_000;

export class SamlLogins {
  private readonly stock: Prepared[][];
  private bestRate = FIRST_GUESS_PER_SECOND;

  constructor(
    private readonly idp: SamlIdp,
    private readonly baseUrl: string,
    private readonly provider: string,
    private readonly workers: number,
  ) {
    this.stock = Array.from({ length: workers }, () => []);
  }

  /** Starts and signs enough logins for `seconds` at 1.5× the best rate seen so far. */
  async prepare(seconds: number): Promise<void> {
    const perWorker = Math.min(
      MOST_PER_WORKER,
      Math.ceil((this.bestRate * seconds * 1.5) / this.workers) + 2,
    );
    for (let worker = 0; worker < this.workers; worker++) {
      const mine = this.stock[worker] ?? [];
      while (mine.length < perWorker) mine.push(await this.startOne(worker));
    }
  }

  /** A start as `worker`'s user and the IdP's signed answer to it, not posted yet. */
  async startOne(worker: number): Promise<Prepared & SpareResponse> {
    const jar = new CookieJar();
    const start = await browserGet(`${this.baseUrl}/sso/SAML/start/${this.provider}`, jar);
    if (start.status !== 302)
      throw new Error(`SAML start answered ${start.status}: ${start.text.slice(0, 200)}`);
    const answer = await this.idp.respond(start.headers.get('location') ?? '', {
      nameId: `bench-${worker}@example.test`,
      attributes: { ...ATTRIBUTES, email: [`bench-${worker}@example.test`] },
    });
    return {
      jar,
      samlResponse: answer.samlResponse,
      relayState: answer.relayState ?? '',
      requestId: answer.request.id,
      acsUrl: answer.request.acsUrl,
    };
  }

  /** One more response like every other of this case, never posted: the verification loops check it. */
  async spare(): Promise<SpareResponse> {
    const { samlResponse, requestId, acsUrl } = await this.startOne(0);
    return { samlResponse, requestId, acsUrl };
  }

  /** ACS then Auth with a prepared login; `afterStep` runs after each step, outside its timing. */
  async loginOnce(
    prepared: Prepared,
    steps: Map<string, Samples> | null,
    afterStep: (step: (typeof SAML_STEPS)[number]) => Promise<void> = async () => undefined,
  ): Promise<void> {
    let t = performance.now();
    // The IdP's page posts cross-site: the browser sends no cookie with it.
    const page = await browserPostForm(
      `${this.baseUrl}/sso/SAML/post/${this.provider}`,
      { SAMLResponse: prepared.samlResponse, RelayState: prepared.relayState },
      null,
    );
    if (page.status !== 200) throw new Error(`ACS answered ${page.status}: ${page.text.slice(0, 200)}`);
    steps?.get('acs')?.push(performance.now() - t);
    await afterStep('acs');
    t = performance.now();
    const auth = await fetch(`${this.baseUrl}/sso/SAML/Auth/${this.provider}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: prepared.jar.header() },
      body: JSON.stringify(authBody(pageParams(page.text).data)),
    });
    const text = await auth.text();
    if (auth.status !== 200) throw new Error(`SAML Auth answered ${auth.status}: ${text.slice(0, 200)}`);
    steps?.get('auth')?.push(performance.now() - t);
    await afterStep('auth');
  }

  /** Up to `seconds` of logins by every worker; a worker whose stock runs out stops early. */
  async slice(seconds: number, record: boolean): Promise<Raw> {
    const raw = await workerSlice(
      { workers: this.workers, seconds, steps: SAML_STEPS, record },
      (worker, steps) => {
        const next = this.stock[worker]?.shift();
        return next === undefined ? null : this.loginOnce(next, steps);
      },
    );
    this.bestRate = Math.max(this.bestRate, (raw.count - raw.errors) / raw.seconds);
    return raw;
  }
}
