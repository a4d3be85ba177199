// The SAML 2.0 service-provider adapter: implements `SamlProtocol` (src/sso/ports.ts) for the Web Browser SSO
// profile (SAML Profiles §4.1) from its parts: the AuthnRequest (saml-request.ts), Response verification
// (saml-verify.ts) and SP metadata (saml-metadata.ts); here the options and the refusal → SsoError mapping.
//
// Responses are checked and signatures verified with xml-crypto directly, against the configured certificate
// only (no SAML library at run time). There is no XSD validation (~160 ms per call with xmllint-wasm);
// instead the XML-level defences are explicit and cheap: no DTD at all, a strict parser, one Response, one
// Assertion, unique IDs, signatures only where SAML allows them and of exactly the shape SAML prescribes, and
// every value read from the canonical XML that the signature covers.

import { systemClock } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';
import { silentLog, type Clock, type Log } from '../sso/ports.js';
import type { SamlProtocol } from './engines.js';
import { buildMetadata } from './saml-metadata.js';
import { buildRedirectRequest } from './saml-request.js';
import { SAML_RULES } from './saml-rules.js';
import { CertificateCache, peekInResponseTo, verifyResponse } from './saml-verify.js';
import { SamlCheckError } from './saml-xml.js';

/** Structured logger (a pino logger fits). */
export type SamlLogger = Log;

export interface SamlProtocolOptions {
  logger?: SamlLogger;
  /** Tolerance for the IdP's clock on NotBefore / NotOnOrAfter (default 120 s). */
  clockSkewSeconds?: number;
  /** Source of IssueInstant for AuthnRequests (default: the system clock). `verify` uses its `now` input. */
  clock?: Clock;
  /**
   * Largest decoded SAMLResponse accepted. Unset by default: the HTTP body limit (SSO_BODY_LIMIT) that
   * carries the form is the one bound, and a decoded response is always smaller than its base64 form.
   */
  maxResponseBytes?: number;
}

export function createSamlProtocol(options: SamlProtocolOptions = {}): SamlProtocol {
  const logger = options.logger ?? silentLog;
  const skewMs = (options.clockSkewSeconds ?? 120) * 1000;
  const clock = options.clock ?? systemClock;
  const maxBytes = options.maxResponseBytes;
  const certificates = new CertificateCache();

  return {
    start(provider, input) {
      return settle(() => buildRedirectRequest(provider, input, clock.now()));
    },

    peekInResponseTo(samlResponse) {
      return peekInResponseTo(samlResponse, maxBytes);
    },

    verify(provider, input) {
      return settle(() => {
        try {
          const key = certificates.get(provider.settings.samlCertificate);
          return verifyResponse(provider.settings, input, { key, skewMs, maxBytes, logger });
        } catch (error) {
          throw verifyFailure(error, provider.name, logger);
        }
      });
    },

    metadata(provider, input) {
      return buildMetadata(provider, input.acsUrl, logger, input.sloUrl);
    },
  };
}

/**
 * A refused response becomes `idp_response_invalid` naming the broken rule (its id and what to change at the
 * IdP, for the admin) and the check family (detail); anything else is internal.
 */
function verifyFailure(error: unknown, providerName: string, logger: Log): SsoError {
  if (error instanceof SamlCheckError) {
    logger.debug({ provider: providerName, reason: error.reason, rule: error.rule }, 'SAML response refused');
    return samlRefusal(error);
  }
  return new SsoError('idp_response_invalid', 'The SAML response could not be processed.', {
    step: 'verify',
    reason: 'saml_response_rejected',
    detail: 'saml:internal',
    cause: error,
  });
}

/** The refusal of a response that broke a structural rule: the rule's id and fix, the check family. */
export function samlRefusal(error: SamlCheckError): SsoError {
  return new SsoError('idp_response_invalid', error.message, {
    step: 'verify',
    reason: publicReason(error.reason),
    detail: error.reason,
    rule: { id: error.rule, fixAtIdp: SAML_RULES[error.rule].fix },
    cause: error.cause ?? error,
  });
}

/**
 * The reason a stranger may see. Every structural and signature check is one reason, so the answer does not
 * tell a forger which check caught them (the exact check is the error's detail, for the log). Only what a
 * user or admin can act on is told apart: the IdP's own refusal, an expired answer (clocks), our certificate.
 */
function publicReason(checkReason: string): string {
  switch (checkReason) {
    case 'saml:status':
      return 'saml_idp_refused';
    case 'saml:expired':
    case 'saml:not-yet-valid':
      return 'saml_expired';
    case 'saml:certificate':
      return 'provider_misconfigured';
    default:
      return 'saml_response_rejected';
  }
}

/** Runs synchronous work as a promise: a throw becomes a rejection (the port's methods are async). */
function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}
