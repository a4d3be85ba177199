// The walk of a request from its canonical path to its handler's reply: the operation by spec path and
// method, the media type and key spelling, the rate limit, the caller and the access rule, validation,
// storable strings, then the typed handler. openapi-backend only loads and dereferences the spec: its own
// per-request pipeline re-derives the operation list and re-parses the request several times per request.
import type { Operation } from 'openapi-backend';
import { SsoError } from '../sso/errors.js';
import { assertStorableBody } from './body-strings.js';
import { inputOf, type RegisteredHandler } from './handler.js';
import type { Reply } from './operations.js';
import { accessRule, type AccessRule, type RequestSecurity } from './request-security.js';
import { shapeRoutedRequest, type Pending } from './request-shape.js';
import type { RequestValidation } from './request-validation.js';
import type { CanonicalPath } from './routing.js';

interface Route {
  operation: Operation;
  operationId: string;
  access: AccessRule;
  /** The operation requires a credential (its security requirements are not empty). */
  secured: boolean;
  /** The operation declares parameters or a body: without either there is nothing to validate. */
  hasInputs: boolean;
  handler: RegisteredHandler | undefined;
}

export interface Dispatcher {
  /** The operationIds that have a handler. */
  readonly handled: string[];
  /** The methods a spec path supports, for the Allow header of a 405 (RFC 9110 §15.5.6). */
  methodsOf(template: string): string[] | undefined;
  dispatch(pending: Pending, canonical: CanonicalPath): Promise<Reply>;
}

/** `operations` come dereferenced, with the document's security requirements applied to each. */
export function createDispatcher(deps: {
  operations: Operation[];
  handlers: Record<string, RegisteredHandler>;
  security: RequestSecurity;
  validation: RequestValidation;
}): Dispatcher {
  const routes = routeTable(deps.operations, deps.handlers);
  const { security, validation } = deps;
  return {
    handled: Object.keys(deps.handlers),
    methodsOf: (template) => {
      const byMethod = routes.get(template);
      return byMethod === undefined ? undefined : [...byMethod.keys()];
    },
    async dispatch(pending, canonical) {
      const byMethod = canonical.template === null ? undefined : routes.get(canonical.template);
      if (byMethod === undefined) {
        throw new SsoError(
          'not_found',
          'There is no such endpoint. Check the path against the API reference.',
        );
      }
      const route = byMethod.get(pending.request.method);
      if (route === undefined) {
        throw new SsoError('method_not_allowed', 'This endpoint does not accept this HTTP method.');
      }
      pending.operation = route.operation;
      pending.params = canonical.params;
      shapeRoutedRequest(route.operation, pending);
      security.limitRate(route.access, pending);
      await security.authorize(route, pending);
      if (route.hasInputs) validation.validate(route.operationId, pending);
      assertStorableBody(pending.parsedBody);
      if (route.handler === undefined) {
        throw new SsoError(
          'not_implemented',
          `${route.operationId} has no handler in this version of the service.`,
        );
      }
      return route.handler(
        inputOf(pending.params, pending.request.query, pending.request.body),
        pending.state,
      );
    },
  };
}

/** Spec path → upper-case method → route. A handler for an operation the spec lacks is a start-up error. */
function routeTable(
  operations: Operation[],
  handlers: Record<string, RegisteredHandler>,
): Map<string, Map<string, Route>> {
  const known = new Set(operations.map((operation) => operation.operationId));
  const unknown = Object.keys(handlers).filter((operationId) => !known.has(operationId));
  if (unknown.length > 0) throw new Error(`Handlers for operations the spec lacks: ${unknown.join(', ')}`);
  const routes = new Map<string, Map<string, Route>>();
  for (const operation of operations) {
    const operationId = operation.operationId ?? `${operation.method} ${operation.path}`;
    const byMethod = routes.get(operation.path) ?? new Map<string, Route>();
    byMethod.set(operation.method.toUpperCase(), {
      operation,
      operationId,
      access: accessRule(operation),
      secured: (operation.security ?? []).length > 0,
      hasInputs: (operation.parameters ?? []).length > 0 || operation.requestBody !== undefined,
      handler: handlers[operationId],
    });
    routes.set(operation.path, byMethod);
  }
  return routes;
}
