// The client-credentials probe of the admin's Test: a token request (RFC 6749 §4.1.3) with a code and a
// PKCE verifier that cannot be valid, authenticated exactly as a sign-in authenticates. The IdP checks the
// client before the code (RFC 6749 §5.2): `invalid_client` means the id or secret is wrong, `invalid_grant`
// means they were accepted and only the dummy code was refused. Only the status and the `error` code of the
// answer are read: nothing the IdP echoes, and never the secret, reaches the report.

import { randomBytes } from 'node:crypto';

import { isRecord } from '../sso/basics.js';
import type { ProviderCheck } from '../sso/ports.js';
import { fail, pass, warn } from './diagnostic-checks.js';
import type { DiscoveredProvider } from './oidc-discovery.js';
import { cleanIdpText } from './oidc-errors.js';

const CHECK = 'oidc.client_credentials';

export async function probeClientCredentials(
  discovered: DiscoveredProvider,
  clientId: string,
  redirectUri: string,
): Promise<ProviderCheck> {
  const { metadata } = discovered;
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    // Random, so no code an IdP ever issued can match by chance.
    code: `jellyfin-sso-test-${randomBytes(16).toString('base64url')}`,
    redirect_uri: redirectUri,
    code_verifier: randomBytes(32).toString('base64url'),
  });
  const headers = new Headers({
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  });
  discovered.auth(metadata, { client_id: clientId }, body, headers);
  let answer: { status: number; error: string | null };
  try {
    const response = await discovered.fetch(String(metadata.token_endpoint), {
      method: 'POST',
      headers: Object.fromEntries(headers),
      body,
      redirect: 'manual',
    });
    const json: unknown = await response.json().catch(() => undefined);
    const error = isRecord(json) && typeof json.error === 'string' ? cleanIdpText(json.error, 64) : null;
    answer = { status: response.status, error };
  } catch (error) {
    const late = error instanceof Error && error.name === 'TimeoutError';
    return fail(
      CHECK,
      `The token endpoint ${late ? 'did not answer in time' : 'could not be reached'}.`,
      'Check that the token_endpoint of the discovery document is reachable from this service.',
    );
  }
  return judge(answer, discovered.authMethod);
}

function judge(answer: { status: number; error: string | null }, authMethod: string): ProviderCheck {
  const seen = `${answer.error ?? 'no OAuth error'}, HTTP ${answer.status}`;
  if (answer.error === 'invalid_client' || answer.status === 401) {
    return fail(
      CHECK,
      `The identity provider refused the client id or secret (${seen}; sent with ${authMethod}).`,
      'Copy the client id and secret from the identity provider again and save them with Add.',
    );
  }
  if (answer.error === 'invalid_grant') {
    return pass(
      CHECK,
      `Credentials accepted; the dummy code was refused as expected (${seen}; sent with ${authMethod}).`,
    );
  }
  return warn(
    CHECK,
    `The token endpoint answered the probe with ${seen}, which does not tell whether the client id and secret are right.`,
    'If sign-in fails at the code exchange, check the client id, the secret and the allowed grant types at the identity provider.',
  );
}
