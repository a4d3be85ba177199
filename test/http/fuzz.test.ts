// A seeded fuzz of every operation of openapi.yaml, on SQLite and on PostgreSQL: hostile path and query
// values, headers, credentials and bodies (control characters, lone surrogates, very long strings, wrong
// types, deep nesting, `__proto__`, traversal, encoded slashes, bad JSON, corrupt gzip/deflate/br, wrong
// media types), with a valid admin credential (so elevated operations get their bodies fuzzed too), a
// non-administrator's session, garbage credentials or none. Whatever a client sends, no answer is ≥ 500.
//
// The run is deterministic: FUZZ_SEED (default below) seeds everything. FUZZ_RUNS is the number of rounds,
// one request per operation each (default 24: about 650 requests and ten seconds per database); for a long
// run on demand:
//   FUZZ_RUNS=2000 FUZZ_SEED=$RANDOM npx vitest run test/http/fuzz.test.ts
// A failure prints the seed and the offending requests, so the run can be repeated exactly. FUZZ_PARALLEL=1
// sends the requests of a round concurrently (the requests stay the same; their interleaving does not).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addOidcProvider, addSamlProvider } from '../../clients/typescript/index.js';
import { SPEC_PATH } from '../../src/app.js';
import { accessRule, loadSpec } from '../../src/http/api.js';
import type { Operation } from 'openapi-backend';
import { makeCertificates } from '../admin/certificates.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';
import {
  deepJson,
  encodeBody,
  encodeLoose,
  hostileString,
  hostileValue,
  mutateExample,
  pathSegment,
  randomString,
  resolveSchema,
  Rng,
  sendRaw,
  valueFor,
  type BodyEncoding,
  type RawRequest,
  type Schema,
} from '../support/fuzz.js';
import { authBody, browserGet, CookieJar, pageParams } from '../support/browser.js';
import { authorizeAt, startHostileOp, type HostileOp } from '../support/hostile-op.js';
import { freePort } from '../support/ports.js';
import { createUserWithToken } from '../support/users.js';
import { appDatabaseTargets, describeOn } from '../support/db.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed11);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 24);
/** FUZZ_PARALLEL=1 sends each round (one request per operation) at once: races, at the cost of determinism. */
const PARALLEL = process.env['FUZZ_PARALLEL'] === '1';

/** Providers the login steps may reach; the fuzzed Add and Del never touch these (names start `adm-`). */
const OIDC_PROVIDER = 'fuzz-oidc';
const SAML_PROVIDER = 'fuzz-saml';
const USER_NAME = 'fuzz-user';

interface FuzzOperation {
  id: string;
  method: string;
  template: string;
  access: string;
  parameters: { name: string; in: string; schema: Schema }[];
  /** Media type → schema and example of the request body. */
  body: { type: string; schema: Schema; example: unknown }[];
}

function fuzzOperations(spec: Schema): FuzzOperation[] {
  const out: FuzzOperation[] = [];
  for (const [template, item] of Object.entries(spec['paths'] as Record<string, Schema>)) {
    for (const [method, node] of Object.entries(item)) {
      const op = node as Schema;
      if (typeof op !== 'object' || op === null || typeof op['operationId'] !== 'string') continue;
      const parameters = ((op['parameters'] ?? []) as unknown[]).map((p) => {
        const param = resolveSchema(spec, p) ?? {};
        return {
          name: String(param['name']),
          in: String(param['in']),
          schema: resolveSchema(spec, param['schema']) ?? {},
        };
      });
      const requestBody = resolveSchema(spec, op['requestBody']);
      const content = (requestBody?.['content'] ?? {}) as Record<string, Schema>;
      out.push({
        id: op['operationId'],
        method: method.toUpperCase(),
        template,
        access: accessRule(op as unknown as Operation),
        parameters,
        body: Object.entries(content).map(([type, media]) => ({
          type,
          schema: resolveSchema(spec, media['schema']) ?? {},
          example: media['example'],
        })),
      });
    }
  }
  return out;
}

const XML_PAYLOADS = [
  '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><r>&b;</r>',
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0" InResponseTo="_x"/>',
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/></samlp:Response>',
  '<a><b></a>',
  '<?xml version="1.0" encoding="UTF-16"?><x/>',
  '\u0000<x/>',
  '<x>\ud800</x>',
];

interface Context {
  ops: FuzzOperation[];
  userId: string;
  /** A session of that (non-administrator) user: self-or-elevated operations then run as "self". */
  userToken: string;
}

function providerFor(rng: Rng, op: FuzzOperation): string {
  if (/^(add|delete)(Oidc|Saml)Provider$/.test(op.id)) {
    return rng.chance(0.5) ? `adm-${rng.int(6)}` : `adm-${hostileString(rng)}`;
  }
  if (rng.chance(0.45)) return /Saml/i.test(op.id) ? SAML_PROVIDER : OIDC_PROVIDER;
  const name = hostileString(rng);
  return name.startsWith('adm-') ? `x${name}` : name;
}

function pathValue(rng: Rng, op: FuzzOperation, name: string, ctx: Context): string {
  switch (name) {
    case 'provider':
      return providerFor(rng, op);
    case 'mode':
      return rng.chance(0.6) ? rng.pick(['oid', 'SAML', 'Oid', 'saml']) : hostileString(rng);
    case 'jellyfinUserId':
      if (rng.chance(0.3)) return hostileString(rng);
      return rng.chance(0.5) ? ctx.userId : ctx.userId.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    case 'username':
      return rng.chance(0.4) ? USER_NAME : hostileString(rng);
    default:
      return rng.chance(0.2) ? 'subject-1' : hostileString(rng);
  }
}

function buildPath(rng: Rng, op: FuzzOperation, ctx: Context): string {
  let path = op.template.replace(/\{([^}]+)\}/g, (_, name: string) =>
    pathSegment(rng, pathValue(rng, op, name, ctx)),
  );
  if (rng.chance(0.1)) path = path.toLowerCase();
  if (rng.chance(0.05)) path += '/';
  if (rng.chance(0.03)) path = path.replace('/sso/', '//sso//');
  const query: string[] = [];
  for (const param of op.parameters.filter((p) => p.in === 'query')) {
    if (!rng.chance(0.5)) continue;
    const value = rng.chance(0.4) ? String(valueFor(rng, {}, param.schema, 0)) : hostileString(rng);
    query.push(`${rng.chance(0.1) ? param.name.toUpperCase() : param.name}=${encodeLoose(value)}`);
    if (rng.chance(0.1)) query.push(`${param.name}=${encodeLoose(hostileString(rng))}`);
  }
  if (rng.chance(0.1))
    query.push(rng.pick(['__proto__[x]=1', 'a=%', 'a=%ZZ', '%00=1', 'api_key=%00', '&&=']));
  return query.length === 0 ? path : `${path}?${query.join('&')}`;
}

/** Header values node:http accepts: visible Latin-1, no control characters. */
function headerSafe(value: string): string {
  return value.replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, '?');
}

function credentialHeaders(rng: Rng, op: FuzzOperation, ctx: Context): Record<string, string> {
  const wantsAdmin = op.access !== 'public' ? rng.chance(0.7) : rng.chance(0.1);
  if (wantsAdmin) return { authorization: `MediaBrowser Token="${BOOTSTRAP_KEY}"` };
  switch (rng.int(7)) {
    case 6:
      return { authorization: `MediaBrowser Token="${ctx.userToken}"` };
    case 0:
      return { authorization: headerSafe(`MediaBrowser Token="${hostileString(rng)}"`) };
    case 1:
      return {
        authorization: rng.pick([
          'MediaBrowser',
          'MediaBrowser Token=',
          'MediaBrowser Token="%ZZ"',
          'Bearer x',
          'MediaBrowser Client="%E0%A4%A", Token="x"',
          'MediaBrowser , , ,,',
          'Emby Token="' + '"'.repeat(50),
        ]),
      };
    case 2:
      return { 'x-emby-token': headerSafe(randomString(rng)) };
    default:
      return {};
  }
}

function bodyFor(
  rng: Rng,
  spec: Schema,
  op: FuzzOperation,
): { body: Buffer; type?: string; encoding?: BodyEncoding } {
  const media = rng.pick(op.body);
  const roll = rng.next();
  if (media.type === 'application/x-www-form-urlencoded' && roll < 0.6) {
    const xml = rng.chance(0.5) ? rng.pick(XML_PAYLOADS) : hostileString(rng);
    const fields: [string, string][] = [
      ['SAMLResponse', rng.chance(0.7) ? Buffer.from(xml, 'utf8').toString('base64') : xml],
    ];
    if (rng.chance(0.6)) fields.push(['RelayState', hostileString(rng)]);
    if (rng.chance(0.1)) fields.push(['__proto__', 'x']);
    return {
      body: Buffer.from(fields.map(([k, v]) => `${k}=${encodeLoose(v)}`).join('&')),
      type: media.type,
    };
  }
  if (roll < 0.55) {
    const value = rng.chance(0.7)
      ? mutateExample(rng, spec, media.schema, media.example)
      : valueFor(rng, spec, media.schema, 0.2);
    return { body: Buffer.from(JSON.stringify(value) ?? 'null'), type: 'application/json' };
  }
  if (roll < 0.65) {
    const text = rng.pick([
      '{',
      '{"a":}',
      'nul',
      '\ufeff{}',
      '{"oidEndpoint":"x",}',
      `"${'\\'.repeat(3)}"`,
      '"\\u0000"',
      '"\\ud800"',
      '{"x":"\\udfff"}',
      deepJson(2000, 'array'),
      deepJson(60_000, 'array'),
      deepJson(20_000, 'object'),
      JSON.stringify(hostileValue(rng)),
      '1e999999',
      '-'.repeat(10),
    ]);
    return { body: Buffer.from(text), type: rng.pick(['application/json', 'application/problem+json']) };
  }
  if (roll < 0.75) {
    return {
      body: Buffer.from(randomString(rng, 200)),
      type: rng.pick([
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'application/json; charset=bogus',
        '',
        'x/y;;;',
      ]),
    };
  }
  if (roll < 0.95) {
    const encoding = rng.pick<BodyEncoding>(['gzip', 'deflate', 'br']);
    const inner = Buffer.from(JSON.stringify(mutateExample(rng, spec, media.schema, media.example)) ?? '{}');
    return {
      body: encodeBody(rng, inner, encoding, rng.chance(0.7)),
      type: media.type,
      encoding,
    };
  }
  return { body: Buffer.alloc(0), type: media.type };
}

function buildRequest(rng: Rng, spec: Schema, op: FuzzOperation, ctx: Context): RawRequest {
  const headers: Record<string, string> = { ...credentialHeaders(rng, op, ctx) };
  const accept = rng.pick([
    'application/json',
    'text/html',
    '*/*',
    '',
    'text/html;q=0.1, application/json',
    ';;q=x',
  ]);
  if (accept !== '') headers['accept'] = accept;
  if (rng.chance(0.15)) headers['cookie'] = headerSafe(`sso_flow=${encodeLoose(hostileString(rng))}`);
  const raw: RawRequest = {
    method: rng.chance(0.03) ? rng.pick(['PUT', 'PATCH', 'OPTIONS', 'HEAD']) : op.method,
    path: buildPath(rng, op, ctx),
    headers,
  };
  if (op.body.length > 0 || rng.chance(0.05)) {
    const built =
      op.body.length > 0
        ? bodyFor(rng, spec, op)
        : { body: Buffer.from('{"x":1}'), type: 'application/json' };
    raw.body = built.body;
    if (built.type !== undefined && built.type !== '') headers['content-type'] = built.type;
    if (built.encoding !== undefined) headers['content-encoding'] = built.encoding;
  }
  return raw;
}

/**
 * An Auth call on a verified flow (a real sign-in at the live OP), so that its hostile device fields reach
 * session creation: a random one-time token never gets past the flow lookup.
 */
async function verifiedAuthRequest(rng: Rng, spec: Schema, t: TestApp, op: HostileOp): Promise<RawRequest> {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/OID/start/${OIDC_PROVIDER}`, jar);
  const callback = await authorizeAt(op, start.headers.get('location') ?? '');
  const page = await browserGet(callback, jar);
  const schema = resolveSchema(spec, { $ref: '#/components/schemas/AuthRequest' }) ?? {};
  const body = mutateExample(rng, spec, schema, authBody(pageParams(page.text).data));
  return {
    method: 'POST',
    path: `/sso/OID/Auth/${OIDC_PROVIDER}`,
    headers: { 'content-type': 'application/json', accept: 'application/json', cookie: jar.header() },
    body: Buffer.from(JSON.stringify(body)),
  };
}

interface Failure {
  operationId: string;
  index: number;
  request: string;
  status: number | string;
  answer: string;
}

function describeRequest(raw: RawRequest): string {
  const body =
    raw.body === undefined ? '' : ` body=${JSON.stringify(raw.body.subarray(0, 160).toString('latin1'))}`;
  return `${raw.method} ${raw.path.slice(0, 200)} ${JSON.stringify(raw.headers)}${body}`;
}

const spec = loadSpec(SPEC_PATH) as unknown as Schema;
const certificates = makeCertificates();

for (const target of appDatabaseTargets('fuzz')) {
  describeOn(target, `fuzz of every operation [${target.dialect}]`, () => {
    let t: TestApp;
    let op: HostileOp;
    let cleanup: () => Promise<void> = async () => undefined;
    const ctx: Context = { ops: fuzzOperations(spec), userId: '', userToken: '' };

    beforeAll(async () => {
      const prepared = await target.prepare();
      cleanup = prepared.cleanup;
      op = await startHostileOp();
      const port = await freePort();
      t = await startTestApp(
        { ...prepared.env, SSO_RATE_LIMIT: '0', SSO_PUBLIC_URL: `http://127.0.0.1:${port}` },
        { port },
      );
      await addOidcProvider({
        client: t.admin,
        path: { provider: OIDC_PROVIDER },
        body: { oidEndpoint: op.issuer, oidClientId: op.clientId, oidSecret: op.clientSecret, enabled: true },
        throwOnError: true,
      });
      await addSamlProvider({
        client: t.admin,
        path: { provider: SAML_PROVIDER },
        body: {
          samlEndpoint: 'https://idp.example.com/saml',
          samlClientId: 'jellyfin',
          samlCertificate: certificates.base64,
          enabled: true,
        },
        throwOnError: true,
      });
      const user = await createUserWithToken(t, { name: USER_NAME });
      ctx.userId = user.user.id;
      ctx.userToken = user.token;
    });
    afterAll(async () => {
      await t?.close();
      await op?.close();
      await cleanup();
    });

    it(
      `when ${RUNS} hostile requests per operation are sent (seed ${SEED}), then none is answered with a 5xx`,
      async () => {
        expect(ctx.ops.length).toBeGreaterThan(20);
        const rng = new Rng(SEED);
        const failures: Failure[] = [];
        for (let index = 0; index < RUNS; index++) {
          // Built in order, so the seed alone decides every request; sent one by one, or a round at once.
          const round: { operationId: string; raw: RawRequest }[] = [];
          for (const operation of ctx.ops) {
            const raw =
              operation.id === 'authenticateOidc' && rng.chance(0.35)
                ? await verifiedAuthRequest(rng, spec, t, op)
                : buildRequest(rng, spec, operation, ctx);
            round.push({ operationId: operation.id, raw });
          }
          const send = async ({ operationId, raw }: (typeof round)[number]): Promise<void> => {
            const status = await sendRaw(t.baseUrl, raw).then(
              (response) => ({ code: response.status, answer: response.body.slice(0, 300) }),
              (error: unknown) => ({ code: `no answer: ${String(error)}`, answer: '' }),
            );
            if (typeof status.code === 'string' || status.code >= 500) {
              const request = describeRequest(raw);
              failures.push({ operationId, index, request, status: status.code, answer: status.answer });
            }
          };
          if (PARALLEL) await Promise.all(round.map(send));
          else for (const request of round) await send(request);
        }
        if (failures.length > 0) {
          process.stdout.write(
            `fuzz [${target.dialect}] FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}: ${failures.length} answers ≥ 500\n` +
              failures
                .map((f) => `  ${f.operationId} #${f.index}: ${f.status} ← ${f.request}\n    ${f.answer}`)
                .join('\n') +
              '\n',
          );
        }
        expect(
          failures.map((f) => `${f.operationId} ${f.status}`),
          `FUZZ_SEED=${SEED}`,
        ).toEqual([]);
      },
      60_000 + RUNS * 2_000,
    );
  });
}
