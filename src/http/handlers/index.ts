// Every operation's handler, by operationId. Operations whose behaviour is not built yet are listed in
// PENDING_OPERATIONS and answer 501 `not_implemented`; a contract test keeps both lists honest.
import { SsoError } from '../../sso/errors.js';
import type { Handler } from '../handler.js';
import { createAdminHandlers, type AdminDeps } from './admin.js';
import { createLinkHandlers, type LinkHandlerDeps } from './links.js';
import { createLoginHandlers, type LoginHandlerDeps } from './login.js';

export type HandlerDeps = AdminDeps & LoginHandlerDeps & LinkHandlerDeps;

/** Operations that still answer 501; must be empty once the login and link flows are built. */
export const PENDING_OPERATIONS = [] as const;

const notYet =
  (operationId: string): Handler =>
  () =>
    Promise.reject(new SsoError('not_implemented', `${operationId} is not implemented yet.`));

export function createHandlers(deps: HandlerDeps): Record<string, Handler> {
  const pending = Object.fromEntries(PENDING_OPERATIONS.map((id) => [id, notYet(id)]));
  return {
    ...pending,
    ...createAdminHandlers(deps),
    ...createLoginHandlers(deps),
    ...createLinkHandlers(deps),
  };
}
