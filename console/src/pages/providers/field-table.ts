// The form's description of a provider input: for every field of OidcProviderInput / SamlProviderInput
// (openapi.yaml), its label, hint, fieldset and kind of control. The types make the tables complete: a
// field added to the contract and missing here, or given a control that cannot hold its type, fails
// the console's type check.
import type { FolderRoleMapping } from '../../../../clients/typescript/index.ts';

export type Protocol = 'oidc' | 'saml';
export type Group = 'connection' | 'roles' | 'advanced';

/** How a field is edited; each kind holds one shape of value (see draft.ts). */
export type Kind =
  | 'text'
  | 'multiline'
  | 'secret'
  | 'secret-multiline'
  | 'scheme'
  | 'list'
  | 'folders'
  | 'folder-roles'
  | 'bool'
  | 'tristate'
  | 'port';

/** The kinds that can edit a value of type V (V includes undefined for an optional field). */
type KindFor<V> = [V] extends [boolean | undefined]
  ? 'bool'
  : [V] extends [boolean | null | undefined]
    ? 'tristate'
    : [V] extends [number | null | undefined]
      ? 'port'
      : [V] extends [FolderRoleMapping[] | null | undefined]
        ? 'folder-roles'
        : [V] extends [string[] | null | undefined]
          ? 'list' | 'folders'
          : [V] extends [string | null | undefined]
            ? 'text' | 'multiline' | 'secret' | 'secret-multiline' | 'scheme'
            : never;

export interface FieldSpec<K extends Kind = Kind> {
  label: string;
  kind: K;
  group: Group;
  hint?: string;
  required?: boolean;
  /** What the service reads when the stored provider lacks the field (a checkbox that defaults to on). */
  absentMeans?: boolean;
  /** Shown only while this checkbox has this value (the field does nothing otherwise). */
  shownWhen?: { key: string; is: boolean };
}

/** Fields the contract accepts only for compatibility with the plugin's page and then ignores. */
type Ignored = 'newPath' | 'canonicalLinks';

/** One entry per input field, in the order the form shows them. */
export type FieldTable<I> = { [K in Exclude<keyof I, Ignored> & string]: FieldSpec<KindFor<I[K]>> };

export const FIELD_NAME = 'name';
