// Devices: where the user is signed in (device, app, last activity), this browser marked, with "Sign out
// <device>" per other device and "Sign out everywhere else", each behind a confirmation. A lost phone is
// signed out from here.
import type { JSX } from 'preact';
import {
  listDevices,
  signOutDevice,
  signOutOtherDevices,
  type UserDevice,
} from '../../../clients/typescript/index.ts';
import { call } from '../api.ts';
import { ConfirmDialog, SectionOutcome, when } from './parts.tsx';
import { useSection, useSectionList } from './section.ts';

type Confirming = { kind: 'one'; device: UserDevice } | { kind: 'others' };

function deviceLabel(device: UserDevice): string {
  return device.deviceName === '' ? 'Unnamed device' : device.deviceName;
}

function devicesText(n: number): string {
  return n === 1 ? '1 device' : `${n} devices`;
}

export function Devices(): JSX.Element {
  const section = useSection<Confirming>();
  const { account, error, status, setStatus, confirming, setConfirming, busy, heading } = section;
  const list = useSectionList(section, () =>
    call(listDevices({ client: account.client, path: { jellyfinUserId: account.userId } })),
  );
  const devices = list.items;

  const signOut = (what: Confirming): Promise<void> =>
    section.act(async () => {
      const path = { jellyfinUserId: account.userId };
      if (what.kind === 'one') {
        await call(
          signOutDevice({ client: account.client, path: { ...path, deviceId: what.device.deviceId } }),
        );
        setStatus({ kind: 'ok', text: `You are signed out on ${deviceLabel(what.device)}.` });
      } else {
        const { signedOut } = await call(signOutOtherDevices({ client: account.client, path }));
        setStatus({
          kind: 'ok',
          text:
            signedOut === 0
              ? 'You were signed in nowhere else.'
              : `You are signed out on ${devicesText(signedOut)}. This one stays signed in.`,
        });
      }
      list.removed();
    }, list.reread);

  const others = (devices ?? []).filter((d) => !d.current);
  // The service knows this browser by the device id it sends; a session made under another id is not marked.
  const recognised = (devices ?? []).some((d) => d.current);
  const names = new Map<string, number>();
  for (const d of others) names.set(deviceLabel(d), (names.get(deviceLabel(d)) ?? 0) + 1);
  // Two devices of the same name are told apart by their app.
  const buttonName = (d: UserDevice): string =>
    (names.get(deviceLabel(d)) ?? 0) > 1
      ? `Sign out ${deviceLabel(d)} (${d.client})`
      : `Sign out ${deviceLabel(d)}`;
  return (
    <section aria-labelledby="devices-title" class="account-section">
      <h2 id="devices-title" tabIndex={-1} ref={heading}>
        Devices
      </h2>
      <p class="hint">
        Where you are signed in. If you lost a phone or signed in on a computer that is not yours, sign out
        there from here.
      </p>
      <div class="button-row">
        {/* An app that signs in while this page is open appears only on a new read. */}
        <button
          type="button"
          class="button-small"
          onClick={() => {
            setStatus(null);
            list.reread();
          }}
        >
          Refresh the list
        </button>
      </div>
      <SectionOutcome status={status} error={error} loading={devices === null ? 'your devices' : null} />
      {devices === null ? null : devices.length === 0 ? (
        <p>You are not signed in on any device.</p>
      ) : (
        <DeviceTable
          devices={devices}
          buttonName={buttonName}
          onSignOut={(device) => setConfirming({ kind: 'one', device })}
        />
      )}
      {others.length === 0 ? null : (
        <>
          <div class="button-row">
            <button type="button" class="button-danger" onClick={() => setConfirming({ kind: 'others' })}>
              Sign out everywhere else
            </button>
          </div>
          <p class="hint">
            Signs you out on every device and app but this browser, including apps that use your app password:
            they must sign in again.
          </p>
        </>
      )}
      {confirming === null ? null : (
        <ConfirmDialog
          title={
            confirming.kind === 'one'
              ? `Sign out on ${deviceLabel(confirming.device)}?`
              : 'Sign out everywhere else?'
          }
          confirm="Sign out"
          busy={busy}
          fallback={heading}
          onConfirm={() => void signOut(confirming)}
          onCancel={() => setConfirming(null)}
        >
          <p>
            {confirming.kind === 'one'
              ? `${deviceLabel(confirming.device)} (${confirming.device.client}) will have to sign in again.`
              : `Every other device and app (${devicesText(others.length)}) will have to sign in again. ${
                  recognised
                    ? 'This browser stays signed in.'
                    : 'This browser is not among the devices listed, so it may be signed out too.'
                }`}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function DeviceTable(props: {
  devices: UserDevice[];
  buttonName: (device: UserDevice) => string;
  onSignOut: (device: UserDevice) => void;
}): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="table devices-table">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">App</th>
            <th scope="col">Last active</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.devices.map((device) => (
            <tr key={device.deviceId} class={device.current ? 'current' : undefined}>
              <td data-label="Device">
                {deviceLabel(device)}
                {device.current ? <span class="this-device small">This device</span> : null}
              </td>
              <td data-label="App">{device.client}</td>
              <td data-label="Last active">
                {device.lastActivity === null ? (
                  <span class="small">unknown</span>
                ) : (
                  <time dateTime={device.lastActivity}>{when(device.lastActivity)}</time>
                )}
              </td>
              <td>
                {device.current ? null : (
                  <button
                    type="button"
                    class="button-small"
                    aria-label={props.buttonName(device)}
                    onClick={() => props.onSignOut(device)}
                  >
                    Sign out
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
