// Devices: where the user is signed in (device, app, last activity), this browser marked, with "Sign out
// <device>" per other device and "Sign out everywhere else", each behind a confirmation. A lost phone is
// signed out from here.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  listDevices,
  signOutDevice,
  signOutOtherDevices,
  type UserDevice,
} from '../../../clients/typescript/index.ts';
import { call } from '../api.ts';
import { Loading, ProblemBox } from '../components/ui.tsx';
import { sectionError, useAccount } from './context.ts';
import { ConfirmDialog, LiveStatus, when, type Status } from './parts.tsx';

type Confirming = { kind: 'one'; device: UserDevice } | { kind: 'others' };

function deviceLabel(device: UserDevice): string {
  return device.deviceName === '' ? 'Unnamed device' : device.deviceName;
}

function devicesText(n: number): string {
  return n === 1 ? '1 device' : `${n} devices`;
}

export function Devices(): JSX.Element {
  const account = useAccount();
  const [devices, setDevices] = useState<UserDevice[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const [busy, setBusy] = useState(false);
  const [reads, setReads] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const focusHeading = useRef(false);

  useEffect(() => {
    call(listDevices({ client: account.client, path: { jellyfinUserId: account.userId } }))
      .then((read) => {
        setDevices(read);
        // After a removal the button that asked is gone with its row: the focus goes to the heading.
        if (focusHeading.current) heading.current?.focus();
        focusHeading.current = false;
      })
      .catch((failure: unknown) => setError(sectionError(failure, account)));
  }, [account, reads]);

  const signOut = async (what: Confirming): Promise<void> => {
    setError(null);
    setStatus(null);
    setBusy(true);
    const path = { jellyfinUserId: account.userId };
    try {
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
      focusHeading.current = true;
    } catch (failure) {
      setError(sectionError(failure, account));
    }
    setBusy(false);
    setConfirming(null);
    setReads((n) => n + 1);
  };

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
            setReads((n) => n + 1);
          }}
        >
          Refresh the list
        </button>
      </div>
      <LiveStatus status={status} />
      <ProblemBox error={error} />
      {devices === null ? (
        error === null ? (
          <Loading what="your devices" />
        ) : null
      ) : devices.length === 0 ? (
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
