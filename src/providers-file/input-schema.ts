// The `Add` bodies' contract, applied to a provider of the file: `OidcProviderInput` / `SamlProviderInput`
// of openapi.yaml, keys in any letter case (the edge's canonicaliseKeys), checked by Ajv with the options the
// edge's request validation uses and reported with the edge's field names (`/body/<field>`).
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { canonicaliseKeys } from '../http/body-keys.js';
import { invalidRequest } from '../http/request-shape.js';
import { isRecord } from '../sso/basics.js';
import { SsoError, type FieldError } from '../sso/errors.js';
import type { ProtocolName } from '../sso/provider-settings.js';

// ajv-formats is CommonJS: its plugin is the module's `default` property (as in request-validation.ts).
const addFormats = addFormatsModule.default;

const SCHEMA_NAMES: Record<ProtocolName, string> = {
  oidc: 'OidcProviderInput',
  saml: 'SamlProviderInput',
};

export interface InputSchemas {
  /** The body with its keys in the contract's spelling, and every field the contract refuses. */
  check(protocol: ProtocolName, fields: Record<string, unknown>): { body: unknown; errors: FieldError[] };
}

export function loadInputSchemas(specPath: string): InputSchemas {
  const spec: unknown = loadYaml(readFileSync(specPath, 'utf8'), { schema: CORE_SCHEMA });
  const schemas = isRecord(spec) && isRecord(spec['components']) ? spec['components']['schemas'] : undefined;
  if (!isRecord(schemas)) throw new Error(`${specPath} has no components.schemas`);
  // The options of the edge's validators (request-validation.ts): every error, types coerced.
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: true });
  addFormats(ajv);
  const compiled = new Map<ProtocolName, { schema: unknown; validate: ValidateFunction }>();
  const compiledFor = (protocol: ProtocolName) => {
    let entry = compiled.get(protocol);
    if (entry === undefined) {
      const schema = inlineRefs(schemas[SCHEMA_NAMES[protocol]], schemas);
      // Validated as the edge does, under `requestBody`, so its error reader names `/body/<field>`.
      const validate = ajv.compile({ type: 'object', properties: { requestBody: schema } });
      entry = { schema, validate };
      compiled.set(protocol, entry);
    }
    return entry;
  };
  return {
    check(protocol, fields) {
      const { schema, validate } = compiledFor(protocol);
      const body = canonicaliseKeysOrErrors(fields, schema);
      if (body.errors.length > 0) return body;
      const request = { requestBody: body.body };
      const valid: boolean = validate(request); // coerces `request` in place, as at the edge
      if (valid) return { body: request.requestBody, errors: [] };
      return { body: request.requestBody, errors: invalidRequest(validate.errors ?? []).errors ?? [] };
    },
  };
}

function canonicaliseKeysOrErrors(fields: unknown, schema: unknown): { body: unknown; errors: FieldError[] } {
  try {
    return { body: canonicaliseKeys(fields, isRecord(schema) ? schema : undefined), errors: [] };
  } catch (error) {
    // A key given twice in different letter cases: the edge's error, with its field list.
    if (error instanceof SsoError) return { body: fields, errors: error.errors ?? [] };
    throw error;
  }
}

/** The schema with every local `#/components/schemas/X` reference replaced by X (the inputs are acyclic). */
function inlineRefs(schema: unknown, schemas: Record<string, unknown>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inlineRefs(item, schemas));
  if (!isRecord(schema)) return schema;
  const ref = schema['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    return inlineRefs(schemas[ref.slice('#/components/schemas/'.length)], schemas);
  }
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, inlineRefs(value, schemas)]));
}
