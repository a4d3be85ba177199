// Every operation's handler, by operationId. A contract test checks that this covers every operation of the
// spec (an operation without a handler would answer 501 `not_implemented` through api.ts's fallback).
import type { Handler } from '../handler.js';
import { createAdminHandlers, type AdminDeps } from './admin.js';
import { createLinkHandlers, type LinkHandlerDeps } from './links.js';
import { createLoginHandlers, type LoginHandlerDeps } from './login.js';

export type HandlerDeps = AdminDeps & LoginHandlerDeps & LinkHandlerDeps;

export function createHandlers(deps: HandlerDeps): Record<string, Handler> {
  return {
    ...createAdminHandlers(deps),
    ...createLoginHandlers(deps),
    ...createLinkHandlers(deps),
  };
}
