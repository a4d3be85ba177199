// Providers: the list, the add and edit forms, and each provider's Test and Preview panels, by route:
// #/providers, #/providers/new/<protocol>, #/providers/<protocol>/<name>[/test|/preview].
import type { JSX } from 'preact';
import type { Route } from '../route.ts';
import { PreviewPanel } from './provider-preview.tsx';
import { TestPanel } from './provider-test.tsx';
import type { Protocol } from './providers/field-table.ts';
import { ProviderForm } from './providers/provider-form.tsx';
import { ProviderList } from './providers/provider-list.tsx';
import './providers.css';

function protocolOf(segment: string | undefined): Protocol | null {
  return segment === 'oidc' || segment === 'saml' ? segment : null;
}

export function ProvidersPage(props: { route: Route }): JSX.Element {
  const [, first, second, third] = props.route.segments;
  const newProtocol = first === 'new' ? protocolOf(second) : null;
  if (newProtocol !== null)
    return <ProviderForm key={`new/${newProtocol}`} protocol={newProtocol} name={null} />;
  const protocol = protocolOf(first);
  if (protocol === null || second === undefined) return <ProviderList />;
  const key = `${protocol}/${second}`;
  if (third === 'test') return <TestPanel key={key} protocol={protocol} name={second} />;
  if (third === 'preview') return <PreviewPanel key={key} protocol={protocol} name={second} />;
  return <ProviderForm key={key} protocol={protocol} name={second} />;
}
