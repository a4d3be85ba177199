// The head of a provider's Test and Preview panels: the way back to the provider, the title, and the
// way to the other panel.
import type { JSX } from 'preact';
import { href } from '../../route.ts';

export type PanelProtocol = 'oidc' | 'saml';

const PANELS = { test: 'Test', preview: 'Preview' } as const;

export function PanelHeader(props: {
  panel: keyof typeof PANELS;
  protocol: PanelProtocol;
  name: string;
  titleId: string;
}): JSX.Element {
  const { panel, protocol, name } = props;
  const other = panel === 'test' ? 'preview' : 'test';
  return (
    <header class="panel-header">
      <nav class="panel-links" aria-label="Provider">
        <a href={href(['providers', protocol, name])}>← Back to {name}</a>
        <a href={href(['providers', protocol, name, other])}>{PANELS[other]}</a>
      </nav>
      <h1 id={props.titleId}>
        {PANELS[panel]} {name} <span class="protocol-tag">{protocol.toUpperCase()}</span>
      </h1>
    </header>
  );
}
