// Test panel of one provider: runs the live checks (POST /sso/{OID,SAML}/Test/{provider}) and lists them.
import type { JSX } from 'preact';

export function TestPanel(props: { protocol: 'oidc' | 'saml'; name: string }): JSX.Element {
  return (
    <section aria-labelledby="test-title">
      <h1 id="test-title">Test {props.name}</h1>
    </section>
  );
}
