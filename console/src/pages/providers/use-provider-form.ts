// The state of the provider form: the draft (empty for a new provider, else read from Get), the
// libraries for the pickers, and saving (Add), with the service's problem mapped onto the fields.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { listLibraries, type Library } from '../../../../clients/typescript/index.ts';
import { call } from '../../api.ts';
import { useConsole } from '../../context.ts';
import { navigate } from '../../route.ts';
import type { FormBindings } from './bindings.ts';
import { loadProvider, saveProvider, type StoredProvider } from './calls.ts';
import { emptyDraft, fieldErrors, tableFor, type Draft, type DraftValue, type FieldErrors } from './draft.ts';
import { FIELD_NAME, type Protocol } from './field-table.ts';

export interface SaveNotice {
  message: string;
  warnings: string[];
}

/**
 * The notice of a new provider's first save. Saving it moves to the provider's own page (a new route,
 * so a new form): the notice is handed over here, read once by that form.
 */
let noticeForNextForm: SaveNotice | null = null;
function takeNotice(): SaveNotice | null {
  const notice = noticeForNextForm;
  noticeForNextForm = null;
  return notice;
}

function useLibraries(): { libraries: Library[] | null; librariesError: unknown } {
  const { client } = useConsole();
  const [libraries, setLibraries] = useState<Library[] | null>(null);
  const [librariesError, setLibrariesError] = useState<unknown>(null);
  useEffect(() => {
    call(listLibraries({ client })).then(setLibraries).catch(setLibrariesError);
  }, [client]);
  return { libraries, librariesError };
}

function useStoredProvider(protocol: Protocol, name: string | null) {
  const { client } = useConsole();
  const [stored, setStored] = useState<StoredProvider | null>(null);
  const [draft, setDraft] = useState<Draft | null>(() =>
    name === null ? emptyDraft(tableFor(protocol)) : null,
  );
  const [missing, setMissing] = useState(false);
  const reload = useCallback(async (): Promise<void> => {
    if (name === null) return;
    const loaded = await loadProvider(client, protocol, name);
    setMissing(loaded === null);
    setStored(loaded);
    if (loaded !== null) setDraft(loaded.draft);
  }, [client, protocol, name]);
  const set = useCallback(
    (key: string, value: DraftValue) => setDraft((d) => (d === null ? d : { ...d, [key]: value })),
    [],
  );
  return { stored, setStored, draft, set, missing, reload };
}

export function useProviderForm(protocol: Protocol, name: string | null) {
  const { client } = useConsole();
  const { stored, setStored, draft, set, missing, reload } = useStoredProvider(protocol, name);
  const [newName, setNewName] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<unknown>(null);
  const [notice, setNotice] = useState<SaveNotice | null>(takeNotice);
  const [busy, setBusy] = useState(false);
  const { libraries, librariesError } = useLibraries();
  useEffect(() => {
    reload().catch(setProblem);
  }, [reload]);

  const refused = (error: unknown): void => {
    setErrors(fieldErrors(error));
    setProblem(error);
    scrollTo({ top: 0 });
  };
  const saveAs = async (target: string, current: Draft): Promise<void> => {
    if (name === null && (await loadProvider(client, protocol, target)) !== null) {
      setErrors({ [FIELD_NAME]: `A ${protocol.toUpperCase()} provider named "${target}" already exists.` });
      return;
    }
    const saved = await saveProvider(client, protocol, target, current);
    const done = { message: `Saved ${target}.`, warnings: saved.warnings };
    if (name !== null) {
      setNotice(done);
      return reload();
    }
    noticeForNextForm = done;
    navigate(['providers', protocol, target]);
  };
  const save = (): void => {
    const target = name ?? newName;
    if (draft === null) return;
    setErrors({});
    setProblem(null);
    setNotice(null);
    if (target.trim() === '') return setErrors({ [FIELD_NAME]: 'Enter a name.' });
    setBusy(true);
    saveAs(target, draft)
      .catch(refused)
      .finally(() => setBusy(false));
  };
  /** Enable or disable: saves the stored provider with only `enabled` flipped (secrets left out: kept). */
  const toggle = (): void => {
    if (stored === null || name === null) return;
    const enabled = stored.draft['enabled'] !== true;
    setProblem(null);
    saveProvider(client, protocol, name, { ...stored.draft, enabled })
      .then(() => {
        setStored({ ...stored, draft: { ...stored.draft, enabled } });
        set('enabled', enabled);
        setNotice({ message: `${name} is ${enabled ? 'enabled' : 'disabled'}.`, warnings: [] });
      })
      .catch(refused);
  };
  const form: FormBindings | null =
    draft === null
      ? null
      : { draft, errors, set, secretsSet: stored?.secretsSet ?? {}, libraries, librariesError };
  return { form, stored, missing, newName, setNewName, problem, notice, busy, save, toggle };
}
