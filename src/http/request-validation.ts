// Request validation: each operation's path, query and body against the spec's schemas, with the Ajv
// validators openapi-backend builds for the operation. They are compiled on the operation's first request
// and kept, so start-up compiles none and a request pays only for running them.
import type { Document, Operation } from 'openapi-backend';
import { OpenAPIRouter, OpenAPIValidator } from 'openapi-backend';
import addFormatsModule from 'ajv-formats';
import { invalidRequest, type Pending } from './request-shape.js';

// ajv-formats is CommonJS: the default import is its module object whatever the loader, and the plugin
// is also its `default` property (it sets `exports.default` on itself).
const addFormats = addFormatsModule.default;

export interface RequestValidation {
  /**
   * Validates the routed request; on success the query and path parameters are replaced by their
   * values coerced to the declared types (`isLinking` a boolean). Throws `invalid_request` naming every
   * offending field.
   */
  validate(operationId: string, pending: Pending): void;
  /** The errors of a JSON reply against the operation's response schema, or null (tests, development). */
  replyErrors(operation: Operation, status: number, body: unknown): unknown[] | null;
}

/** `definition` is the dereferenced document (no `$ref` left). */
export function createRequestValidation(definition: Document): RequestValidation {
  const validator = new OpenAPIValidator({
    definition,
    router: new OpenAPIRouter({ definition }),
    lazyCompileValidators: true,
    coerceTypes: true,
    ajvOpts: { allErrors: true, strict: false },
    customizeAjv: (ajv) => addFormats(ajv),
  });
  return {
    validate(operationId, pending) {
      const request = pending.request;
      // The shape openapi-backend validates (its `validateRequest`): a body is part of it when one was
      // parsed or when it was declared JSON, so that a missing required body is reported.
      const parameters: Record<string, unknown> = {
        path: pending.params ?? {},
        query: request.query,
        header: request.headers,
        cookie: pending.state.cookies,
      };
      if (typeof request.body === 'object' || request.headers['content-type'] === 'application/json') {
        parameters['requestBody'] = request.body;
      }
      const errors = [];
      for (const validate of validator.getRequestValidatorsForOperation(operationId)) {
        // Ajv coerces the parameters in place (coerceTypes).
        if (!validate(parameters)) errors.push(...(validate.errors ?? []));
      }
      if (errors.length > 0) throw invalidRequest(errors);
    },
    replyErrors(operation, status, body) {
      return validator.validateResponse(body, operation, status).errors ?? null;
    },
  };
}
