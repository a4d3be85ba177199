// Test panel of one provider: runs the live checks (POST /sso/{OID,SAML}/Test/{provider}) and lists them,
// each with its status in words and colour, what was found and what to change.
import type { JSX } from 'preact';
import {
  testOidcProvider,
  testSamlProvider,
  type ProviderCheck,
  type ProviderTestReport,
} from '../../../clients/typescript/index.ts';
import { call, type Client } from '../api.ts';
import { Loading, Notice, ProblemBox } from '../components/ui.tsx';
import { useConsole } from '../context.ts';
import { checkName } from './diagnostics/check-names.ts';
import { PanelHeader, type PanelProtocol } from './diagnostics/panel-header.tsx';
import { useRun } from './diagnostics/use-run.ts';
import './diagnostics/diagnostics.css';

function runTest(client: Client, protocol: PanelProtocol, name: string): Promise<ProviderTestReport> {
  const options = { client, path: { provider: name } };
  return call(protocol === 'oidc' ? testOidcProvider(options) : testSamlProvider(options));
}

export function TestPanel(props: { protocol: PanelProtocol; name: string }): JSX.Element {
  const { client } = useConsole();
  const [run, startRun] = useRun<ProviderTestReport>();
  const start = (): void => startRun(runTest(client, props.protocol, props.name));
  return (
    <section aria-labelledby="test-title" class="diagnostics">
      <PanelHeader panel="test" protocol={props.protocol} name={props.name} titleId="test-title" />
      <p class="panel-intro">
        Checks this provider against its identity provider now, without a user: nothing is changed and no
        secret is shown.
      </p>
      <div class="button-row">
        <button type="button" class="button-primary" onClick={start} disabled={run.state === 'running'}>
          {run.state === 'idle' || run.state === 'running' ? 'Run the checks' : 'Run the checks again'}
        </button>
      </div>
      {run.state === 'running' ? <Loading what="the checks" /> : null}
      {run.state === 'error' ? <ProblemBox error={run.error} /> : null}
      {run.state === 'done' ? <TestReport report={run.value} /> : null}
    </section>
  );
}

function TestReport(props: { report: ProviderTestReport }): JSX.Element {
  const { checks } = props.report;
  return (
    <>
      <Summary checks={checks} />
      <ol class="check-list" aria-label="Checks">
        {checks.map((check) => (
          <CheckRow key={check.check} check={check} />
        ))}
      </ol>
    </>
  );
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "2 checks failed, 1 warning": what to look at first, above the list. */
function Summary(props: { checks: ProviderCheck[] }): JSX.Element {
  const failed = props.checks.filter((c) => c.status === 'fail').length;
  const warned = props.checks.filter((c) => c.status === 'warn').length;
  const warnings = warned === 0 ? '' : `, ${plural(warned, 'warning', 'warnings')}`;
  if (failed > 0) {
    return <Notice kind="error">{`${plural(failed, 'check', 'checks')} failed${warnings}.`}</Notice>;
  }
  if (warned > 0) return <Notice kind="warn">{`No check failed${warnings}.`}</Notice>;
  return <Notice kind="ok">{`All ${plural(props.checks.length, 'check', 'checks')} passed.`}</Notice>;
}

const STATUS_WORDS = { pass: 'Pass', warn: 'Warning', fail: 'Fail' } as const;
const STATUS_MARKS = { pass: '✓', warn: '!', fail: '✗' } as const;

function CheckRow(props: { check: ProviderCheck }): JSX.Element {
  const { check } = props;
  return (
    <li class={`check check-${check.status}`}>
      <p class="check-head">
        <span class={`check-status status-${check.status}`}>
          <span aria-hidden="true">{STATUS_MARKS[check.status]} </span>
          {STATUS_WORDS[check.status]}
        </span>
        <span class="check-name">{checkName(check.check)}</span>
        <code class="check-id">{check.check}</code>
      </p>
      <p class="check-detail">{check.detail}</p>
      {check.fix === null ? null : (
        <p class="check-fix">
          <strong>Fix: </strong>
          {check.fix}
        </p>
      )}
    </li>
  );
}
