// The activity filters form: labelled inputs that, when applied, rewrite the URL's fragment (the page
// reads its filters from there only).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { TextField } from '../../components/text-field.tsx';
import { Field } from '../../components/ui.tsx';
import { href, navigate } from '../../route.ts';
import { isoOfLocalInput, localInputValue, OUTCOMES, type ActivityFilters } from './filters.ts';

const OUTCOME_WORDS = { success: 'Signed in', refused: 'Refused', failed: 'Failed' } as const;

export function outcomeWords(outcome: keyof typeof OUTCOME_WORDS): string {
  return OUTCOME_WORDS[outcome];
}

export function FilterForm(props: { filters: ActivityFilters }): JSX.Element {
  const [form, setForm] = useState({ ...props.filters, since: localInputValue(props.filters.since) });
  const set =
    (key: keyof ActivityFilters) =>
    (value: string): void =>
      setForm({ ...form, [key]: value });
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
      <TextField label="Provider" value={form.provider} onValue={set('provider')} />
      <TextField label="User" hint="Username or user id." value={form.user} onValue={set('user')} />
      <Field label="Outcome">
        {(f) => (
          <select
            id={f.id}
            value={form.outcome}
            onChange={(event) => set('outcome')(event.currentTarget.value)}
          >
            <option value="">Any</option>
            {OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {outcomeWords(outcome)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <TextField
        label="Since"
        hint="Your local time."
        type="datetime-local"
        value={form.since}
        onValue={set('since')}
      />
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
