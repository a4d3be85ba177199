// Jellyfin's official OpenAPI documents (10.10.7, 10.11.11, 12.0.0), kept in test/fixtures/jellyfin-openapi/,
// and a validator for requests and responses against them.
// The fake Jellyfin (test/support/fake-jellyfin.ts) runs every request the adapter sends and every answer it
// gives through this, so the adapter only ever sends what a real Jellyfin accepts (issue 7 §7).
//
// Jellyfin's documents are OpenAPI 3.0: `nullable: true` is rewritten into JSON Schema (`type: [t, "null"]`,
// or `anyOf [..., null]` beside `allOf`/`$ref`/`enum`) before ajv sees it, because ajv's own `nullable`
// support refuses `nullable` without `type`, and Jellyfin writes `{ allOf: [$ref], nullable: true }`.
//
// Where the real server knowingly differs from its document, the difference is accepted here, explicitly,
// with the reason (docs/jellyfin-api.md §2, §6 "Prism caveats"):
//  - `format: uuid` also accepts the N format (32 hex, no dashes): JsonGuidConverter writes GUIDs that way.
//  - `POST /UserImage` takes the image as Base64 *text* (FromBase64Transform), though the document says
//    `format: binary`; the body must be valid Base64 of a non-empty image.
//  - 4xx answers whose document schema is ProblemDetails may be a JSON string: `StatusCode(403, "…")`,
//    `Unauthorized("…")` and `NotFound("…")` serialise their string argument (UserController.cs,
//    QuickConnectController.cs).
//  - `application/problem+json` is validated with the `application/json` schema: ASP.NET's bare
//    `BadRequest()`/`NotFound()` send ProblemDetails under that media type.
//  - A 4xx/5xx answer may be text/plain whatever the document declares for that status: ExceptionMiddleware.cs
//    turns exceptions into statuses (ArgumentException → 400, SecurityException → 403,
//    ResourceNotFoundException → 404, others → 500) and writes the message as text/plain.
//  - 4xx/5xx statuses the document does not list are accepted only as such text/plain or as a ProblemDetails
//    (ASP.NET's client-error mapping for a bare `NotFound()`).
//  - Declared responses without `content` (e.g. 401) describe no body; whatever body comes is not checked.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

export const JELLYFIN_VERSIONS = ['10.10.7', '10.11.11', '12.0.0'] as const;
export type JellyfinVersion = (typeof JELLYFIN_VERSIONS)[number];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The documents, as the repository keeps them (see the README there). */
export const JELLYFIN_OPENAPI_DIR = resolve(repoRoot, 'test/fixtures/jellyfin-openapi');

export function jellyfinDocumentPath(version: JellyfinVersion): string {
  return resolve(JELLYFIN_OPENAPI_DIR, `jellyfin-openapi-${version}.json`);
}

/**
 * Throws when a document is missing. They are part of the repository, so a missing one is a broken checkout:
 * an error at once, never a silently smaller test run.
 */
export function requireJellyfinDocuments(): void {
  const missing = JELLYFIN_VERSIONS.filter((version) => !existsSync(jellyfinDocumentPath(version)));
  if (missing.length === 0) return;
  throw new Error(
    `Jellyfin's OpenAPI documents are missing from ${JELLYFIN_OPENAPI_DIR} (${missing.join(', ')}): ` +
      'restore them from git (see the README there).',
  );
}

// ---------------------------------------------------------------------------------------------------------
// OpenAPI 3.0 → JSON Schema

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rewrites OpenAPI 3.0 schema keywords ajv does not read the OpenAPI way: `nullable`, and (optionally)
 * `#/components/...` references made absolute to `refBase`. Pure; exported for its own tests.
 */
export function toJsonSchema(node: Json, refBase = ''): Json {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, refBase));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'discriminator' || key === 'example') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) out[key] = refBase + value;
    else if (key === 'properties' && isObject(value)) {
      // property *names* are not schemas: convert each value, keep the names (a property may be "nullable")
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema, refBase)]),
      );
    } else out[key] = toJsonSchema(value, refBase);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

// ---------------------------------------------------------------------------------------------------------
// Media types

interface MediaType {
  type: string;
  profile: string | null;
}

export function parseMediaType(value: string): MediaType {
  const [essence = '', ...parameters] = value.split(';');
  let profile: string | null = null;
  for (const parameter of parameters) {
    const [name, raw] = parameter.split('=').map((part) => part.trim());
    if (name?.toLowerCase() === 'profile' && raw) profile = raw.replace(/^"|"$/g, '').toLowerCase();
  }
  return { type: essence.trim().toLowerCase(), profile };
}

/** Whether `actual` is covered by the document's `pattern` (`image/*`, `application/*+json`, profile param). */
export function mediaTypeMatches(pattern: string, actual: string): boolean {
  const want = parseMediaType(pattern);
  const have = parseMediaType(actual);
  if (want.profile !== have.profile) return false;
  if (want.type === '*/*' || want.type === have.type) return true;
  const [wantMain, wantSub = ''] = want.type.split('/');
  const [haveMain, haveSub = ''] = have.type.split('/');
  if (wantMain !== haveMain) return false;
  if (wantSub === '*') return true;
  if (wantSub.startsWith('*+')) return haveSub.endsWith(wantSub.slice(1));
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// The contract

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Json;
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Json }> };
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
  security?: Record<string, string[]>[];
}

interface OpenApiDocument {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation | Parameter[] | undefined> & { parameters?: Parameter[] }>;
  components: { schemas: Record<string, Json> };
}

export interface MatchedOperation {
  operationId: string;
  method: string;
  template: string;
  pathParams: Record<string, string>;
  operation: Operation;
  /** Parameters of the path item and the operation, operation winning. */
  parameters: Parameter[];
}

export interface RequestToValidate {
  method: string;
  /** Path without the query, as sent (percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface ResponseToValidate {
  status: number;
  contentType: string;
  body: string;
}

export interface JellyfinContract {
  version: JellyfinVersion;
  document: OpenApiDocument;
  /** A component schema as the document has it (OpenAPI 3.0, unconverted). */
  schema(name: string): JsonObject;
  match(method: string, path: string): MatchedOperation | null;
  /** Problems with a request; empty when the document accepts it. */
  validateRequest(request: RequestToValidate): string[];
  /** Problems with an answer to `operation`; empty when the document (and the listed deviations) allow it. */
  validateResponse(operation: MatchedOperation, response: ResponseToValidate): string[];
}

type AddFormats = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS; its default export arrives wrapped or not depending on the loader.
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

const DOCUMENT_ID = 'jellyfin-openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const contracts = new Map<JellyfinVersion, JellyfinContract>();

export function loadJellyfinContract(version: JellyfinVersion): JellyfinContract {
  const cached = contracts.get(version);
  if (cached) return cached;
  const document = JSON.parse(readFileSync(jellyfinDocumentPath(version), 'utf8')) as OpenApiDocument;
  const contract = buildContract(version, document);
  contracts.set(version, contract);
  return contract;
}

function buildContract(version: JellyfinVersion, document: OpenApiDocument): JellyfinContract {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, discriminator: false });
  addFormats(ajv);
  // N-format GUIDs are what Jellyfin emits and accepts (JsonGuidConverter.cs); D format is accepted too.
  ajv.addFormat('uuid', /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i);
  ajv.addFormat('binary', true);
  ajv.addFormat('text', true);
  ajv.addSchema(
    { $id: DOCUMENT_ID, components: { schemas: toJsonSchema(document.components.schemas) } },
    DOCUMENT_ID,
  );
  const compiled = new Map<string, ValidateFunction>();
  function validator(key: string, schema: Json): ValidateFunction {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(toJsonSchema(schema, DOCUMENT_ID) as JsonObject);
      compiled.set(key, validate);
    }
    return validate;
  }
  function check(key: string, schema: Json, value: unknown, where: string): string[] {
    const validate = validator(key, schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) => `${where}${error.instancePath} ${error.message ?? 'is invalid'}`,
    );
  }

  // Path templates, most literal segments first, so `/Users/Me` wins over `/Users/{userId}` (OpenAPI rule).
  const templates = Object.keys(document.paths)
    .map((template) => {
      const names: string[] = [];
      const source = template
        .split('/')
        .map((segment) =>
          segment.replace(
            /\{([^}]+)\}|([^{]+)/g,
            (_match, name: string | undefined, literal: string | undefined) => {
              if (name) {
                names.push(name);
                return '([^/]+)';
              }
              return (literal ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            },
          ),
        )
        .join('/');
      const literals = template.split('/').filter((segment) => segment && !segment.includes('{')).length;
      return { template, names, regex: new RegExp(`^${source}$`, 'i'), literals };
    })
    .sort((a, b) => b.literals - a.literals || a.names.length - b.names.length);

  function match(method: string, path: string): MatchedOperation | null {
    for (const candidate of templates) {
      const found = candidate.regex.exec(path);
      if (!found) continue;
      const item = document.paths[candidate.template];
      const operation = item?.[method.toLowerCase()] as Operation | undefined;
      if (!item || !operation || !METHODS.includes(method.toLowerCase())) continue;
      const pathParams: Record<string, string> = {};
      candidate.names.forEach((name, index) => {
        pathParams[name] = decodeURIComponent(found[index + 1] ?? '');
      });
      const parameters = new Map<string, Parameter>();
      for (const parameter of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
        parameters.set(`${parameter.in}:${parameter.name.toLowerCase()}`, parameter);
      }
      return {
        operationId: operation.operationId,
        method: method.toUpperCase(),
        template: candidate.template,
        pathParams,
        operation,
        parameters: [...parameters.values()],
      };
    }
    return null;
  }

  /** A parameter's text coerced the way ASP.NET binds it (booleans case-insensitive, numbers). */
  function coerce(schema: Json | undefined, values: string[]): unknown {
    const converted = toJsonSchema(schema ?? {}) as JsonObject;
    const types = Array.isArray(converted.type) ? converted.type : [converted.type];
    if (types.includes('array')) {
      const items = isObject(converted.items) ? converted.items : {};
      return values.flatMap((value) => value.split(',')).map((value) => coerce(items, [value]));
    }
    const value = values[values.length - 1] ?? '';
    if (types.includes('boolean') && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    if (
      (types.includes('integer') || types.includes('number')) &&
      value.trim() !== '' &&
      !Number.isNaN(Number(value))
    ) {
      return Number(value);
    }
    return value;
  }

  function header(headers: RequestToValidate['headers'], name: string): string | undefined {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  function validateRequest(request: RequestToValidate): string[] {
    const label = `${request.method.toUpperCase()} ${request.path}`;
    const matched = match(request.method, request.path);
    if (!matched) return [`${label}: no such operation in Jellyfin ${version}'s document`];
    const problems: string[] = [];
    const where = `${matched.operationId} request`;

    for (const parameter of matched.parameters) {
      const key = `${matched.operationId}:${parameter.in}:${parameter.name}`;
      let values: string[] = [];
      if (parameter.in === 'path') values = [matched.pathParams[parameter.name] ?? ''];
      else if (parameter.in === 'query') {
        // ASP.NET binds query names case-insensitively
        for (const [name, value] of request.query)
          if (name.toLowerCase() === parameter.name.toLowerCase()) values.push(value);
      } else if (parameter.in === 'header') {
        const value = header(request.headers, parameter.name);
        if (value !== undefined) values = [value];
      } else continue;
      if (values.length === 0) {
        if (parameter.required)
          problems.push(`${where}: required ${parameter.in} parameter "${parameter.name}" is missing`);
        continue;
      }
      if (parameter.schema) {
        problems.push(
          ...check(
            key,
            parameter.schema,
            coerce(parameter.schema, values),
            `${where} ${parameter.in} "${parameter.name}"`,
          ),
        );
      }
    }
    const known = new Set(
      matched.parameters.filter((p) => p.in === 'query').map((p) => p.name.toLowerCase()),
    );
    for (const name of new Set(request.query.keys())) {
      if (!known.has(name.toLowerCase()))
        problems.push(`${where}: query parameter "${name}" is not in the document`);
    }

    const secured = (matched.operation.security ?? []).some(
      (requirement) => Object.keys(requirement).length > 0,
    );
    if (secured && !header(request.headers, 'authorization')) {
      problems.push(
        `${where}: the operation is secured (CustomAuthentication) but no Authorization header was sent`,
      );
    }

    const body = matched.operation.requestBody;
    const contentType = header(request.headers, 'content-type') ?? '';
    if (!body) {
      if (request.body.length > 0)
        problems.push(`${where}: the document declares no request body, but one was sent`);
      return problems;
    }
    if (request.body.length === 0) {
      if (body.required) problems.push(`${where}: the request body is required`);
      return problems;
    }
    const declared = Object.keys(body.content).find((pattern) => mediaTypeMatches(pattern, contentType));
    if (!declared) {
      problems.push(
        `${where}: Content-Type "${contentType}" is not one of ${Object.keys(body.content).join(', ')}`,
      );
      return problems;
    }
    if (matched.operationId === 'PostUserImage') {
      // Deviation: Base64 text, not binary (FromBase64Transform; docs/jellyfin-api.md §2).
      const text = request.body.toString('latin1').trim();
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
        problems.push(
          `${where}: the image must be sent as Base64 text (Jellyfin decodes it with FromBase64Transform)`,
        );
      }
      return problems;
    }
    const schema = body.content[declared]?.schema;
    if (/json/.test(parseMediaType(declared).type)) {
      let value: unknown;
      try {
        value = JSON.parse(request.body.toString('utf8'));
      } catch {
        problems.push(`${where}: the body is not JSON`);
        return problems;
      }
      if (schema)
        problems.push(...check(`${matched.operationId}:request:${declared}`, schema, value, `${where} body`));
    }
    return problems;
  }

  function isProblemDetailsSchema(schema: Json | undefined): boolean {
    return isObject(schema) && schema.$ref === '#/components/schemas/ProblemDetails';
  }

  function validateResponse(matched: MatchedOperation, response: ResponseToValidate): string[] {
    const where = `${matched.operationId} response ${response.status}`;
    const declared =
      matched.operation.responses[String(response.status)] ?? matched.operation.responses.default;
    const actualType = parseMediaType(response.contentType);
    if (response.status >= 400 && actualType.type === 'text/plain') return []; // ExceptionMiddleware (see above)
    if (!declared) {
      if (response.status < 400) return [`${where}: the status is not in the document`];
      if (actualType.type === 'application/problem+json' || actualType.type === 'application/json') {
        return check(
          'ProblemDetails',
          { $ref: '#/components/schemas/ProblemDetails' },
          parseJson(response.body),
          `${where} body`,
        );
      }
      return [
        `${where}: an undocumented error status must be text/plain or ProblemDetails, got "${response.contentType}"`,
      ];
    }
    if (!declared.content || Object.keys(declared.content).length === 0) return [];
    // problem+json is ProblemDetails under its own media type: check it against the application/json entry.
    const effective =
      actualType.type === 'application/problem+json' ? 'application/json' : response.contentType;
    const media = Object.keys(declared.content).find((pattern) => mediaTypeMatches(pattern, effective));
    if (!media) {
      return [
        `${where}: Content-Type "${response.contentType}" is not one of ${Object.keys(declared.content).join(', ')}`,
      ];
    }
    const schema = declared.content[media]?.schema;
    if (!schema) return [];
    if (!/json/.test(parseMediaType(media).type)) return [];
    const value = parseJson(response.body);
    if (value === INVALID_JSON) return [`${where}: the body is not JSON`];
    if (response.status >= 400 && typeof value === 'string' && isProblemDetailsSchema(schema)) {
      return []; // deviation: StatusCode(4xx, "text") serialises a JSON string (see the header comment)
    }
    return check(`${matched.operationId}:${response.status}:${media}`, schema, value, `${where} body`);
  }

  return {
    version,
    document,
    schema(name) {
      const schema = document.components.schemas[name];
      if (!isObject(schema)) throw new Error(`Jellyfin ${version} has no schema ${name}`);
      return schema;
    },
    match,
    validateRequest,
    validateResponse,
  };
}

const INVALID_JSON = Symbol('invalid JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID_JSON;
  }
}
