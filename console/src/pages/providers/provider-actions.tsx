// The actions of a stored provider: its Test and Preview panels, enable/disable, and delete after a
// confirmation step.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ProblemBox } from '../../components/ui.tsx';
import { useConsole } from '../../context.ts';
import { href, navigate } from '../../route.ts';
import { deleteProvider } from './calls.ts';
import type { Protocol } from './field-table.ts';

function DeleteControl(props: { protocol: Protocol; name: string }): JSX.Element {
  const { client } = useConsole();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const ask = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  // The focus follows the step: to Cancel when asked, back to Delete when cancelled.
  useEffect(() => {
    if (confirming) cancel.current?.focus();
    else if (opened.current) ask.current?.focus();
    opened.current = confirming;
  }, [confirming]);
  const remove = (): void => {
    deleteProvider(client, props.protocol, props.name)
      .then(() => navigate(['providers']))
      .catch(setError);
  };
  if (!confirming)
    return (
      <button ref={ask} type="button" class="button-danger" onClick={() => setConfirming(true)}>
        Delete
      </button>
    );
  return (
    <div class="delete-confirm" role="group" aria-label="Confirm deletion">
      <span>Delete {props.name}? Its account links go with it.</span>
      <button type="button" class="button-danger" onClick={remove}>
        Yes, delete
      </button>
      <button ref={cancel} type="button" onClick={() => setConfirming(false)}>
        Cancel
      </button>
      <ProblemBox error={error} />
    </div>
  );
}

export function ProviderActions(props: {
  protocol: Protocol;
  name: string;
  enabled: boolean;
  onToggle: () => void;
}): JSX.Element {
  const { protocol, name } = props;
  return (
    <div class="button-row provider-actions">
      <a class="button" href={href(['providers', protocol, name, 'test'])}>
        Test
      </a>
      <a class="button" href={href(['providers', protocol, name, 'preview'])}>
        Preview
      </a>
      <button type="button" onClick={props.onToggle}>
        {props.enabled ? 'Disable' : 'Enable'}
      </button>
      <DeleteControl protocol={protocol} name={name} />
    </div>
  );
}
