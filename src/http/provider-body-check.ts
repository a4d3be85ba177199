// The contract's check of an `Add` body, for callers that add providers without an HTTP request (the plugin
// import): the body validated against the operation's schema (`OidcProviderInput` / `SamlProviderInput` of
// openapi.yaml) with the options the request validation uses, refused with the same `invalid_request`.
// What the schema cannot say (meaning, https rule, …) the connectors' parseSettings checks after it.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isRecord } from '../sso/basics.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { loadSpec } from './api.js';
import { invalidRequest } from './request-shape.js';

// ajv-formats is CommonJS: the plugin is its module object's `default` property (request-validation.ts).
const addFormats = addFormatsModule.default;

const SCHEMAS: Record<ProtocolName, string> = { oidc: 'OidcProviderInput', saml: 'SamlProviderInput' };

export type ProviderBodyCheck = (protocol: ProtocolName, body: Record<string, unknown>) => void;

/** Compiles the two body schemas of the contract at `specPath`; the check throws `invalid_request`. */
export function createProviderBodyCheck(specPath: string): ProviderBodyCheck {
  const spec = loadSpec(specPath);
  // The spec's `$ref`s point into its own components: add it whole under an id and refer to it there.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(isRecord(spec) ? { ...spec, $id: 'openapi.yaml' } : {}, 'openapi.yaml');
  const validators = new Map<ProtocolName, ValidateFunction>();
  return (protocol, body) => {
    let validate = validators.get(protocol);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: `openapi.yaml#/components/schemas/${SCHEMAS[protocol]}` });
      validators.set(protocol, validate);
    }
    // Errors are reported as the request validation reports them, under `/requestBody` (→ `/body/…`).
    if (!validate(body)) {
      throw invalidRequest(
        (validate.errors ?? []).map((error) => ({
          ...error,
          instancePath: `/requestBody${error.instancePath}`,
        })),
      );
    }
  };
}
