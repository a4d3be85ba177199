// The files of deploy/ (README "Running in production") refer to what exists: the compiled start that
// `npm ci` builds, settings that src/config.ts reads, files of the repository. No container engine runs in CI, so the image itself is never built here: these checks keep
// the files from drifting away from the code. The example providers file, once its placeholders are
// filled in, is applied by the service.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { SERVER_ENTRY } from '../../scripts/build-server.js';
import { isRecord } from '../../src/sso/basics.js';
import { fileWorld, startWithFile, storedProvider } from './world.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const START = relative(ROOT, SERVER_ENTRY); // dist/server/main.js

/** Every environment variable src/config.ts reads (`read.text('NAME')`, `read.integer('NAME', …)`, …). */
const CONFIG_VARIABLES = new Set(
  [...read('src/config.ts').matchAll(/read\.(?:text|integer|flag)\('([A-Z0-9_]+)'/g)].map((m) => m[1]),
);

/** The names of `KEY=value` pairs (a Dockerfile ENV, systemd Environment=, an env file), comments skipped. */
function assignedNames(lines: string[]): string[] {
  return lines.flatMap((line) => [...line.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1] ?? ''));
}

describe('deploy/Dockerfile', () => {
  const dockerfile = read('deploy/Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => !l.startsWith('#'));

  it('builds on node:24-slim with npm ci (whose prepare compiles the server) and runs the compiled start', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).map((l) => l.split(' ')[1])).toEqual([
      'node:24-slim',
      'node:24-slim',
    ]);
    expect(dockerfile).toContain('RUN npm ci');
    expect(JSON.parse(read('package.json')).scripts.prepare).toContain('scripts/build.ts');
    expect(instructions.filter((l) => l.startsWith('CMD '))).toEqual([`CMD ["node", "${START}"]`]);
    expect(read('scripts/build.ts')).toContain('buildServer');
  });

  it('runs as the non-root node user with /data as a volume holding the data directory and SQLite', () => {
    expect(instructions.filter((l) => l.startsWith('USER '))).toEqual(['USER node']);
    expect(dockerfile).toContain('VOLUME ["/data"]');
    expect(dockerfile).toMatch(/SSO_DATA_DIR=\/data\b/);
    expect(dockerfile).toMatch(/SSO_DATABASE_URL=sqlite:\/data\//);
  });

  it('sets only settings the service reads and copies files that exist', () => {
    const env = instructions.filter((l) => l.startsWith('ENV '));
    const names = assignedNames(env).filter((name) => name !== 'NODE_ENV');
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(CONFIG_VARIABLES, name).toContain(name);
    for (const file of ['package.json', 'openapi.yaml'])
      expect(existsSync(join(ROOT, file)), file).toBe(true);
    expect(dockerfile).toContain('/sso/health');
  });
});

describe('deploy/jellyfin-sso.service', () => {
  const unit = read('deploy/jellyfin-sso.service')
    .split('\n')
    .filter((l) => !l.startsWith('#'));
  const values = (key: string) =>
    unit.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

  it('runs the compiled start as an unprivileged user, with an EnvironmentFile and hardening', () => {
    expect(values('ExecStart')).toEqual([`/usr/bin/node ${START}`]);
    expect(values('User')).toEqual(['jellyfin-sso']);
    expect(values('EnvironmentFile')).toEqual(['/etc/jellyfin-sso/jellyfin-sso.env']);
    expect(values('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']); // SIGHUP: the providers file
    for (const option of ['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp']) {
      expect(values(option), option).toHaveLength(1);
    }
  });

  it('names only settings the service reads, in the unit and in the example environment file', () => {
    const env = read('deploy/jellyfin-sso.env.example')
      .split('\n')
      .filter((l) => !l.startsWith('#'));
    const names = [...assignedNames(values('Environment')), ...assignedNames(env)];
    expect(names).toContain('SSO_PROVIDERS_FILE');
    for (const name of names) expect(CONFIG_VARIABLES, name).toContain(name);
  });
});

describe('deploy/compose.yaml', () => {
  const compose: unknown = loadYaml(read('deploy/compose.yaml'));
  const services = isRecord(compose) && isRecord(compose['services']) ? compose['services'] : {};
  const sso = isRecord(services['sso']) ? services['sso'] : {};

  it('builds the service from deploy/Dockerfile and sets only settings it reads', () => {
    expect(sso['build']).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
    const environment = isRecord(sso['environment']) ? Object.keys(sso['environment']) : [];
    expect(environment).toContain('SSO_TRUST_PROXY');
    for (const name of environment) expect(CONFIG_VARIABLES, name).toContain(name);
  });

  it('puts Caddy in front: /sso/ to the service, the rest to Jellyfin', () => {
    expect(Object.keys(services)).toEqual(['jellyfin', 'sso', 'caddy']);
    const caddyfile = read('deploy/Caddyfile');
    expect(caddyfile).toMatch(/handle \/sso\/\* \{\s*reverse_proxy sso:8097\s*\}/);
    expect(caddyfile).toMatch(/handle \{\s*reverse_proxy jellyfin:8096\s*\}/);
  });
});

describe('deploy/providers.example.yaml', () => {
  it('when its placeholders are filled in, then the service applies it', async () => {
    const world = fileWorld();
    const certificate = readFileSync(new URL('../fixtures/saml/idp-cert.pem', import.meta.url), 'utf8');
    const spKey = ['sp-key.pem', 'sp-cert.pem']
      .map((name) => readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8'))
      .join('\n');
    world.secret('client.secret', 'client-secret');
    world.write(
      read('deploy/providers.example.yaml')
        .replace('/run/secrets/authentik_client_secret', 'client.secret')
        .replace(
          /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/,
          certificate.trim().replace(/\n/g, '\n      '),
        ),
    );
    process.env['SSO_KEYCLOAK_SP_KEY'] = spKey;
    const t = await startWithFile(world);
    try {
      expect((await storedProvider(t, 'oidc', 'authentik'))?.secrets.clientSecret).toBe('client-secret');
      expect((await storedProvider(t, 'saml', 'keycloak'))?.settings.enabled).toBe(false);
    } finally {
      delete process.env['SSO_KEYCLOAK_SP_KEY'];
      await t.close();
      world.remove();
    }
  });
});
