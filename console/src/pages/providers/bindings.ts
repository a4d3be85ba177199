// What every control of the provider form is given: the draft, the service's messages by field, the way
// to change one field, which write-only fields are set, and the libraries for the pickers.
import type { Library } from '../../../../clients/typescript/index.ts';
import type { Draft, DraftValue, FieldErrors } from './draft.ts';

export interface FormBindings {
  draft: Draft;
  errors: FieldErrors;
  set: (key: string, value: DraftValue) => void;
  secretsSet: Record<string, boolean>;
  /** The media server's libraries; null while loading or when they could not be read. */
  libraries: Library[] | null;
  librariesError: unknown;
}
