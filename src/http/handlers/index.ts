// Every operation's handler, by operationId: the `Handlers` type makes a missing or an extra one a compile
// error, and a contract test checks the same against the spec at run time.
import type { Handlers } from '../handler.js';
import { createAccountHandlers, type AccountHandlerDeps } from './account.js';
import { createAdminHandlers, type AdminDeps } from './admin.js';
import type { ConsoleBundle } from '../console-bundle.js';
import { createConsoleHandlers } from './console.js';
import { createDeviceHandlers, createQuickConnectHandlers, type DeviceHandlerDeps } from './device.js';
import { createHealthHandlers, type HealthDeps } from '../health.js';
import { createLandingHandlers, type LandingHandlerDeps } from './landing.js';
import { createLinkHandlers, type LinkHandlerDeps } from './links.js';
import { createLoginHandlers, type LoginHandlerDeps } from './login.js';
import { createLogoutHandlers, type LogoutHandlerDeps } from './logout.js';
import { createSamlLogoutHandlers, type SamlLogoutHandlerDeps } from './saml-logout.js';

/** What the handlers need of the use cases; the console's bundle comes beside them. */
export type HandlerDeps = AdminDeps &
  LoginHandlerDeps &
  LinkHandlerDeps &
  DeviceHandlerDeps &
  HealthDeps &
  AccountHandlerDeps &
  LandingHandlerDeps &
  SamlLogoutHandlerDeps &
  LogoutHandlerDeps;

export function createHandlers(deps: HandlerDeps, consoleBundle: ConsoleBundle | null): Handlers {
  return {
    ...createAdminHandlers(deps),
    ...createLoginHandlers(deps),
    ...createLinkHandlers(deps),
    ...createAccountHandlers(deps),
    ...createConsoleHandlers(consoleBundle, deps.publicUrl),
    ...createDeviceHandlers(deps),
    ...createQuickConnectHandlers(deps),
    ...createHealthHandlers(deps),
    ...createLandingHandlers(deps),
    ...createSamlLogoutHandlers(deps),
    ...createLogoutHandlers(deps),
  };
}
