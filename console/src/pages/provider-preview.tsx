// Preview panel of one provider: the decision a sign-in with the given claims or attributes would get.
import type { JSX } from 'preact';

export function PreviewPanel(props: { protocol: 'oidc' | 'saml'; name: string }): JSX.Element {
  return (
    <section aria-labelledby="preview-title">
      <h1 id="preview-title">Preview {props.name}</h1>
    </section>
  );
}
