// The browser steps of the spec (operations marked `x-sso-browser-step: true`: start, IdP redirect, ACS):
// their errors are pages rather than problem JSON, and they offer a link that starts the sign-in afresh.
import type { Document, Operation } from 'openapi-backend';
import type { FlowReturnTo } from '../sso/ports.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { basePathOf } from './pages.js';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The operationIds the spec marks as browser steps. */
export function browserStepsOf(definition: Document): Set<string> {
  const steps = new Set<string>();
  for (const item of Object.values(definition.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = item?.[method];
      if (operation === undefined || !('x-sso-browser-step' in operation)) continue;
      if (operation['x-sso-browser-step'] === true && operation.operationId !== undefined) {
        steps.add(operation.operationId);
      }
    }
  }
  return steps;
}

/** The protocol of an operation, from its tag (`oidc` or `saml`); undefined for the other tags. */
export function protocolOf(operation: Operation): ProtocolName | undefined {
  const tag = operation.tags?.[0];
  return tag === 'oidc' || tag === 'saml' ? tag : undefined;
}

/** The path segment the plugin's URLs use for a protocol. */
export function modeOf(protocol: ProtocolName): 'OID' | 'SAML' {
  return protocol === 'saml' ? 'SAML' : 'OID';
}

/**
 * The start of a sign-in at a provider: the "try again" link of the login page and of the error pages, and
 * the move to the public origin (start-host.ts), which must keep what the start was asked for.
 */
export function startUrl(
  publicUrl: string,
  protocol: ProtocolName,
  provider: string,
  isLinking = false,
  returnTo: FlowReturnTo | null = null,
): string {
  const start = `${publicUrl}/sso/${modeOf(protocol)}/start/${encodeURIComponent(provider)}`;
  if (!isLinking) return start;
  return returnTo === null ? `${start}?isLinking=true` : `${start}?isLinking=true&returnTo=${returnTo}`;
}

/** The user's account page (`/sso/account`) under SSO_PUBLIC_URL's base path: where such flows return. */
export function accountPageUrl(publicUrl: string): string {
  return `${basePathOf(publicUrl)}/sso/account`;
}
