// What the Preview panel starts with: claims (OIDC) or attributes (SAML) shaped by the provider's own
// settings — its role claim or attribute holding its first allowed role — so one click shows a decision.
import { getOidcProviders, getSamlProviders } from '../../../../clients/typescript/index.ts';
import { call, type Client } from '../../api.ts';
import type { PanelProtocol } from './panel-header.tsx';

export interface PreviewExample {
  /** The role claim path (OIDC) or attribute name (SAML); null when the provider reads no roles. */
  roleName: string | null;
  /** The SAML attribute the username is read from, when the provider names one. */
  usernameAttribute: string | null;
  role: string;
}

/** A role of nobody's: the example when the provider requires no role. */
const ANY_ROLE = 'family';

/** The example for the provider; its defaults when the provider cannot be read (the preview says why). */
export async function loadExample(
  client: Client,
  protocol: PanelProtocol,
  name: string,
): Promise<PreviewExample> {
  try {
    if (protocol === 'oidc') {
      const provider = (await call(getOidcProviders({ client })))[name];
      const roleName = provider?.roleClaim?.trim() || null;
      return { roleName, usernameAttribute: null, role: provider?.roles[0] ?? ANY_ROLE };
    }
    const provider = (await call(getSamlProviders({ client })))[name];
    return {
      roleName: provider?.samlRoleAttribute ?? 'Role',
      usernameAttribute: provider?.samlUsernameAttribute ?? null,
      role: provider?.roles[0] ?? ANY_ROLE,
    };
  } catch {
    return { roleName: protocol === 'oidc' ? 'groups' : 'Role', usernameAttribute: null, role: ANY_ROLE };
  }
}

/** A claim path's segments: dots separate, `\.` is a dot inside a name (as the service reads roleClaim). */
function claimPath(path: string): string[] {
  return path.split(/(?<!\\)\./).map((segment) => segment.replace(/\\\./g, '.'));
}

/** The example claims document, as pretty JSON text. */
export function exampleClaims(example: PreviewExample): string {
  const claims: Record<string, unknown> = {
    sub: 'e2c7a6d4-preview-carol',
    preferred_username: 'carol',
    email: 'carol@example.com',
  };
  if (example.roleName !== null) {
    const [first = example.roleName, ...rest] = claimPath(example.roleName);
    claims[first] = rest.reduceRight<unknown>((inner, segment) => ({ [segment]: inner }), [example.role]);
  }
  return JSON.stringify(claims, null, 2);
}

export interface AttributeRow {
  key: number;
  name: string;
  /** The values, one per line. */
  values: string;
}

export function exampleAttributes(example: PreviewExample): AttributeRow[] {
  const rows: AttributeRow[] = [];
  if (example.roleName !== null) rows.push({ key: 0, name: example.roleName, values: example.role });
  if (example.usernameAttribute !== null)
    rows.push({ key: 1, name: example.usernameAttribute, values: 'carol' });
  return rows;
}
