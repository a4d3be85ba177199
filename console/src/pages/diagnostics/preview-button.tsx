// The submit button of both Preview forms, held back while a preview runs.
import type { JSX } from 'preact';

export function PreviewButton(props: { busy: boolean }): JSX.Element {
  return (
    <div class="button-row">
      <button type="submit" class="button-primary" disabled={props.busy}>
        Preview
      </button>
    </div>
  );
}
