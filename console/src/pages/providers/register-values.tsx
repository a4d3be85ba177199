// The values an admin registers at the identity provider, each with a copy button: the OIDC redirect URI,
// or the SAML ACS URL, SP entity id and SP metadata URL. Built as the service builds them (src/sso/
// endpoints.ts): the public URL, the path, then the provider's scheme and port overrides.
import type { JSX } from 'preact';
import { CopyValue } from '../../components/ui.tsx';
import { basePath } from '../../session.ts';
import { textIn, type Draft } from './draft.ts';
import type { Protocol } from './field-table.ts';

/** This console's origin and base path stand for SSO_PUBLIC_URL: the service is deployed on that origin. */
export function serviceUrl(path: string, draft: Draft): string {
  const url = new URL(location.origin + basePath() + path);
  const scheme = textIn(draft, 'schemeOverride').trim();
  if (scheme === 'http' || scheme === 'https') url.protocol = `${scheme}:`;
  const port = textIn(draft, 'portOverride').trim();
  if (/^\d+$/.test(port)) url.port = port;
  return url.toString();
}

export function RegisterValues(props: {
  protocol: Protocol;
  name: string;
  draft: Draft;
  saved: boolean;
}): JSX.Element {
  const name = props.name.trim();
  const at = (path: string): string => serviceUrl(`${path}/${encodeURIComponent(name)}`, props.draft);
  const entityId = textIn(props.draft, 'samlClientId').trim();
  return (
    <section class="register-values card" aria-labelledby="register-title">
      <h2 id="register-title">Values to register at the identity provider</h2>
      {name === '' ? (
        <p class="hint">They appear once the provider has a name.</p>
      ) : props.protocol === 'oidc' ? (
        <CopyValue label="Redirect URI" value={at('/sso/OID/redirect')} />
      ) : (
        <>
          <CopyValue label="ACS URL" value={at('/sso/SAML/post')} />
          {entityId === '' ? null : <CopyValue label="SP entity id" value={entityId} />}
          <CopyValue label="SP metadata URL" value={at('/sso/SAML/metadata')} />
          {props.saved ? (
            <p>
              <a href={at('/sso/SAML/metadata')}>Open the SP metadata</a>
            </p>
          ) : null}
        </>
      )}
      <p class="hint">
        Built from this page's address, which is the service's public URL (SSO_PUBLIC_URL) when it runs on
        Jellyfin's origin; Test shows the exact values the service uses.
      </p>
    </section>
  );
}
