// Libraries chosen by name (ids from GET /sso/Libraries). An id the media server no longer lists stays
// shown, so saving never drops it silently.
import type { JSX } from 'preact';
import type { Library } from '../../../../clients/typescript/index.ts';

function choices(libraries: Library[], selected: string[]): { id: string; name: string }[] {
  const known = libraries.map((l) => ({ id: l.Id, name: l.Name }));
  const unknown = selected
    .filter((id) => !libraries.some((l) => l.Id === id))
    .map((id) => ({ id, name: `Unknown library ${id}` }));
  return [...known, ...unknown];
}

export function LibraryPicker(props: {
  legend: string;
  libraries: Library[];
  selected: string[];
  onChange: (ids: string[]) => void;
  hint?: string | undefined;
  error?: string | undefined;
}): JSX.Element {
  const toggle = (id: string, on: boolean): void =>
    props.onChange(on ? [...props.selected, id] : props.selected.filter((s) => s !== id));
  const options = choices(props.libraries, props.selected);
  return (
    <fieldset class={`library-picker${props.error === undefined ? '' : ' field-invalid'}`}>
      <legend>{props.legend}</legend>
      {options.length === 0 ? <p class="hint">The media server lists no library.</p> : null}
      <ul class="library-choices">
        {options.map((library) => (
          <li key={library.id}>
            <label class="checkbox">
              <input
                type="checkbox"
                checked={props.selected.includes(library.id)}
                onChange={(event) => toggle(library.id, event.currentTarget.checked)}
              />
              {library.name}
            </label>
          </li>
        ))}
      </ul>
      {props.hint === undefined ? null : <p class="hint">{props.hint}</p>}
      {props.error === undefined ? null : (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      )}
    </fieldset>
  );
}
