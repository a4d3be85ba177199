// The activity filters form: labelled inputs that, when applied, rewrite the URL's fragment (the page
// reads its filters from there only).
import type { JSX, TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import { Field } from '../../components/ui.tsx';
import { href, navigate } from '../../route.ts';
import { isoOfLocalInput, localInputValue, OUTCOMES, type ActivityFilters } from './filters.ts';

const OUTCOME_WORDS = { success: 'Signed in', refused: 'Refused', failed: 'Failed' } as const;

export function outcomeWords(outcome: keyof typeof OUTCOME_WORDS): string {
  return OUTCOME_WORDS[outcome];
}

type InputEvent = TargetedEvent<HTMLInputElement | HTMLSelectElement>;

export function FilterForm(props: { filters: ActivityFilters }): JSX.Element {
  const [form, setForm] = useState({ ...props.filters, since: localInputValue(props.filters.since) });
  const set =
    (key: keyof ActivityFilters) =>
    (event: InputEvent): void =>
      setForm({ ...form, [key]: event.currentTarget.value });
  const apply = (event: Event): void => {
    event.preventDefault();
    const { provider, user, outcome } = form;
    navigate(['activity'], {
      provider: provider.trim(),
      user: user.trim(),
      outcome,
      since: isoOfLocalInput(form.since),
    });
  };
  return (
    <form class="activity-filters" onSubmit={apply} aria-label="Filters">
      <Field label="Provider">
        {(f) => <input id={f.id} type="text" value={form.provider} onInput={set('provider')} />}
      </Field>
      <Field label="User" hint="Username or user id.">
        {(f) => (
          <input
            id={f.id}
            aria-describedby={f.describedBy}
            type="text"
            value={form.user}
            onInput={set('user')}
          />
        )}
      </Field>
      <Field label="Outcome">
        {(f) => (
          <select id={f.id} value={form.outcome} onChange={set('outcome')}>
            <option value="">Any</option>
            {OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {outcomeWords(outcome)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Since" hint="Your local time.">
        {(f) => (
          <input
            id={f.id}
            aria-describedby={f.describedBy}
            type="datetime-local"
            value={form.since}
            onInput={set('since')}
          />
        )}
      </Field>
      <div class="button-row activity-filter-buttons">
        <button type="submit" class="button-primary">
          Apply filters
        </button>
        <a class="button" href={href(['activity'])}>
          Clear
        </a>
      </div>
    </form>
  );
}
