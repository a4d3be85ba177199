// The login use cases on in-memory ports: memory stores, an in-memory media server, a fake IdP and a clock
// the test moves. No database, no HTTP: a browser is a flow id, its cookie and the state it carried. The
// use cases are built as src/app.ts builds them (createLogin over the OIDC and SAML connectors,
// createLinkAdmin), with the fakes as ports and protocol engines.
import { createOidcConnector } from '../../src/protocols/oidc-connector.js';
import { createSamlConnector } from '../../src/protocols/saml-connector.js';
import { createActivityRecorder, type ActivityRecorder } from '../../src/sso/activity.js';
import { createLinkAdmin, type LinkAdmin } from '../../src/sso/links.js';
import {
  createLogin,
  flowCookieName,
  type FinishedLogin,
  type Login,
  type VerifiedLogin,
} from '../../src/sso/login.js';
import { sha256 } from '../../src/sso/basics.js';
import { silentLog } from '../../src/sso/ports.js';
import type {
  ActivityStore,
  AuthenticationResult,
  Clock,
  DeviceInfo,
  FlowStatus,
} from '../../src/sso/ports.js';
import type {
  OidcProviderSettings,
  ProviderRecord,
  SamlProviderSettings,
} from '../../src/sso/provider-settings.js';
import { createMemoryStores, type MemoryStores } from '../../src/storage/memory/index.js';
import { createFakeIdp, IDP_URL, type FakeIdp } from '../support/fake-protocols.js';
import { createMemoryMediaServer, type MemoryMediaServer } from '../support/memory-media-server.js';
import { sharedSettings } from '../support/settings.js';
import { oidcSettings } from '../storage/fixtures.js';

export const PUBLIC_URL = 'https://sso.test';
export const DEVICE: DeviceInfo = {
  deviceId: 'device-1',
  deviceName: 'Test browser',
  appName: 'Jellyfin Web',
  appVersion: '10.10.7',
};

/** A browser in the middle of a sign-in: the flow it started, its binding cookie, and what it carried. */
export interface Browser {
  protocol: 'oidc' | 'saml';
  providerName: string;
  flowId: string;
  cookies: Record<string, string>;
  /** OIDC `state` or SAML `RelayState`. */
  state: string;
  /** SAML only: the AuthnRequest id the IdP answers to. */
  requestId: string | null;
}

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export interface UseCases {
  stores: MemoryStores;
  mediaServer: MemoryMediaServer;
  idp: FakeIdp;
  clock: ManualClock;
  login: Login;
  linkAdmin: LinkAdmin;
  /** Messages the use cases logged as warnings. */
  warnings: string[];
  /** The activity log's recorder (over the memory store unless another store was given). */
  activityLog: ActivityRecorder;
  addOidcProvider(name: string, overrides?: Partial<OidcProviderSettings>): Promise<ProviderRecord>;
  addSamlProvider(name: string, overrides?: Partial<SamlProviderSettings>): Promise<ProviderRecord>;
  /** Start: where the use case sends the browser, and the browser that will come back. */
  start(protocol: 'oidc' | 'saml', providerName: string, options?: { isLinking?: boolean }): Promise<Browser>;
  /** The IdP's answer reaches the callback (OIDC redirect or SAML ACS) for this person. */
  callback(browser: Browser, subject: string, claims?: Record<string, unknown>): Promise<VerifiedLogin>;
  /** The page posts the one-time token to Auth from the same browser. */
  authenticate(browser: Browser, verified: VerifiedLogin): Promise<AuthenticationResult>;
  /** The status of the browser's flow as stored; null when it is gone. */
  flowStatus(browser: Browser): Promise<FlowStatus | null>;
  /** Start, callback and Auth in one go. */
  signIn(
    providerName: string,
    subject: string,
    claims?: Record<string, unknown>,
  ): Promise<AuthenticationResult>;
}

function manualClock(start = Date.UTC(2030, 0, 1, 12)): ManualClock {
  let now = start;
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

export function samlSettings(overrides: Partial<SamlProviderSettings> = {}): SamlProviderSettings {
  return {
    ...sharedSettings(),
    samlEndpoint: `${IDP_URL}/saml`,
    samlClientId: 'jellyfin',
    samlCertificate: 'MIIB',
    samlIdpEntityId: null,
    samlRoleAttribute: 'Role',
    samlUsernameAttribute: null,
    ...overrides,
  };
}

/** `activityStore`: where the sign-in activity log writes (default: the memory store of `stores`). */
export function createUseCases(options: { activityStore?: ActivityStore } = {}): UseCases {
  const clock = manualClock();
  const stores = createMemoryStores({ clock });
  const mediaServer = createMemoryMediaServer();
  const idp = createFakeIdp();
  const warnings: string[] = [];
  const activityLog = createActivityRecorder({
    store: options.activityStore ?? stores.activity,
    clock,
    log: { ...silentLog, warn: (_fields, message) => warnings.push(message) },
  });
  const login = createLogin({
    ...stores,
    mediaServer,
    connectors: {
      oidc: createOidcConnector({ engine: idp.oidc, publicUrl: PUBLIC_URL }),
      saml: createSamlConnector({ engine: idp.saml, replay: stores.replay, clock, publicUrl: PUBLIC_URL }),
    },
    clock,
    flowTtlSeconds: 600,
    maxOpenFlowsPerClient: 50,
    warn: (_fields, message) => warnings.push(message),
    activityLog,
  });
  const linkAdmin = createLinkAdmin({ ...stores, mediaServer, login });

  const start: UseCases['start'] = async (protocol, providerName, options = {}) => {
    const input = { providerName, isLinking: options.isLinking ?? false, clientAddress: '192.0.2.10' };
    const started = protocol === 'oidc' ? await login.startOidc(input) : await login.startSaml(input);
    const sentTo = new URL(started.location).searchParams;
    return {
      protocol,
      providerName,
      flowId: started.flowId,
      cookies: { [flowCookieName(started.flowId)]: started.browserSecret },
      state: sentTo.get(protocol === 'oidc' ? 'state' : 'RelayState') ?? '',
      requestId: sentTo.get('id'),
    };
  };

  const callback: UseCases['callback'] = (browser, subject, claims = {}) => {
    if (browser.protocol === 'saml') {
      const attributes = Object.fromEntries(
        Object.entries(claims).map(([name, value]) => [name, ([] as unknown[]).concat(value).map(String)]),
      );
      return login
        .finishSaml({
          providerName: browser.providerName,
          samlResponse: idp.samlResponse(browser.requestId ?? '', subject, attributes),
          relayState: browser.state,
        })
        .then(expectVerified);
    }
    const code = idp.signIn(subject, claims);
    const callbackUrl = new URL(`/sso/OID/redirect/${browser.providerName}`, PUBLIC_URL);
    callbackUrl.search = new URLSearchParams({ state: browser.state, code }).toString();
    return login
      .finishOidc({
        providerName: browser.providerName,
        query: { state: browser.state, code },
        callbackUrl,
        cookies: browser.cookies,
      })
      .then(expectVerified);
  };

  const authenticate: UseCases['authenticate'] = (browser, verified) =>
    login.authenticate({
      protocol: browser.protocol,
      providerName: browser.providerName,
      token: verified.token,
      device: DEVICE,
      cookies: browser.cookies,
    });

  return {
    stores,
    mediaServer,
    idp,
    clock,
    login,
    linkAdmin,
    warnings,
    activityLog,
    addOidcProvider: (name, overrides = {}) =>
      stores.providers.save('oidc', name, {
        settings: oidcSettings({ roleClaim: 'groups', ...overrides }),
        secrets: { clientSecret: 'client-secret' },
      }),
    addSamlProvider: (name, overrides = {}) =>
      stores.providers.save('saml', name, { settings: samlSettings(overrides), secrets: {} }),
    start,
    callback,
    authenticate,
    flowStatus: async (browser) =>
      (await stores.flows.findByStateHash(sha256(browser.state)))?.status ?? null,
    async signIn(providerName, subject, claims) {
      const browser = await start('oidc', providerName);
      return authenticate(browser, await callback(browser, subject, claims));
    },
  };
}

/** The callback's outcome when it verified a sign-in; any other outcome fails the test here. */
function expectVerified(finished: FinishedLogin): VerifiedLogin {
  if (finished.kind !== 'verified')
    throw new Error(`the callback did not verify a sign-in: ${finished.kind}`);
  return finished;
}
