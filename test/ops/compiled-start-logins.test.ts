// The compiled start (dist/server/main.js, the packages bundled into it) signs users in: a full OIDC login
// and a full SAML login through HTTP, on SQLite and on PostgreSQL, so a package that breaks when bundled,
// or a lazily loaded chunk (the database driver, the migrations, the SAML stack) that fails to load, shows
// here rather than in a deployment.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addOidcProvider,
  addSamlProvider,
  authenticateOidc,
  authenticateSaml,
  createSsoClient,
} from '../../clients/typescript/index.js';
import { buildServer, SERVER_ENTRY } from '../../scripts/build-server.js';
import { BOOTSTRAP_KEY } from '../support/app.js';
import { authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import { dbTargets, describeOn, type BlankDatabase } from '../support/db.js';
import { CookieJar, followLogin, jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { createSamlIdp } from '../support/saml-idp.js';

/** Every user of the IdP may sign in and sees every library. */
const OPEN = { enabled: true, enableAuthorization: true, enableAllFolders: true };

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'saml', name), 'utf8');

interface Compiled {
  baseUrl: string;
  /** Every line the service wrote (its JSON log and anything on stderr). */
  output: string[];
  stop(): Promise<number | null>;
}

/** `node dist/server/main.js` on `database`, as `npm start` runs it; resolves once it listens. */
async function startCompiled(port: number, database: BlankDatabase): Promise<Compiled> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '',
      SSO_DATA_DIR: database.dataDir,
      SSO_DATABASE_URL: database.url,
      SSO_BOOTSTRAP_API_KEY: BOOTSTRAP_KEY,
      SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      HOST: '127.0.0.1',
      PORT: String(port),
    },
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n').filter(Boolean));
      if (output.some((line) => line.includes('jellyfin-sso listening on'))) resolve();
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then((code) => reject(new Error(`exited ${code} before listening:\n${output.join('\n')}`)));
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

beforeAll(async () => {
  await buildServer(); // only when src/ is newer than dist/server/, as prestart does
}, 120_000);

for (const target of dbTargets()) {
  describeOn(target, `the compiled start on ${target.dialect}`, () => {
    let database: BlankDatabase;
    let service: Compiled;
    let idp: OidcIdp;

    beforeAll(async () => {
      const port = await freePort();
      database = await target.blank();
      idp = await startOidcIdp({
        clients: [jellyfinClient(port, 'idp')],
        accounts: { 'sub-ann': { preferred_username: 'ann' } },
      });
      service = await startCompiled(port, database);
    }, 60_000);

    afterAll(async () => {
      if (service !== undefined) expect(await service.stop(), service.output.join('\n')).toBe(0);
      await idp.close();
      await database.destroy();
    });

    const admin = () => createSsoClient({ baseUrl: service.baseUrl, token: BOOTSTRAP_KEY });
    const anonymous = () => createSsoClient({ baseUrl: service.baseUrl });

    it('signs a user in through OIDC: start, the IdP, the callback page, Auth', async () => {
      const added = await addOidcProvider({
        client: admin(),
        path: { provider: 'idp' },
        body: {
          oidEndpoint: idp.issuer,
          oidClientId: 'jellyfin',
          oidSecret: 'jellyfin-secret',
          ...OPEN,
        },
      });
      expect(added.error).toBeUndefined();
      const jar = new CookieJar();
      const start = await browserGet(`${service.baseUrl}/sso/OID/start/idp`, jar);
      expect(start.status).toBe(302);
      const callback = await followLogin(start.headers.get('location') ?? '', 'sub-ann');
      const page = await browserGet(callback, jar);
      expect(page.status, page.text.slice(0, 400)).toBe(200);
      const auth = await authenticateOidc({
        client: anonymous(),
        path: { provider: 'idp' },
        body: authBody(pageParams(page.text).data),
        headers: { cookie: jar.header() },
      });
      expect(auth.error).toBeUndefined();
      expect(auth.data?.User?.Name).toBe('ann');
      expect(auth.data?.AccessToken).toMatch(/^[0-9a-f]{32}$/);
    });

    it('signs a user in through SAML: start, the IdP, the ACS page, Auth', async () => {
      const samlIdp = createSamlIdp({
        entityId: 'https://idp.example.test/corp',
        privateKeyPem: fixture('idp-key.pem'),
        certPem: fixture('idp-cert.pem'),
      });
      const added = await addSamlProvider({
        client: admin(),
        path: { provider: 'corp' },
        body: {
          samlEndpoint: 'https://idp.example.test/sso',
          samlClientId: 'jellyfin-sp',
          samlIdpEntityId: 'https://idp.example.test/corp',
          samlCertificate: samlIdp.certificateBase64,
          ...OPEN,
        },
      });
      expect(added.error).toBeUndefined();
      const jar = new CookieJar();
      const start = await browserGet(`${service.baseUrl}/sso/SAML/start/corp`, jar);
      expect(start.status).toBe(302);
      const answer = await samlIdp.respond(start.headers.get('location') ?? '', { nameId: 'bo' });
      const page = await browserPostForm(
        `${service.baseUrl}/sso/SAML/post/corp`,
        { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
        null,
      );
      expect(page.status, page.text.slice(0, 400)).toBe(200);
      const auth = await authenticateSaml({
        client: anonymous(),
        path: { provider: 'corp' },
        body: authBody(pageParams(page.text).data),
        headers: { cookie: jar.header() },
      });
      expect(auth.error).toBeUndefined();
      expect(auth.data?.User?.Name).toBe('bo');
    });
  });
}
