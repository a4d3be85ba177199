// `npm run demo -- --app`: a scripted app beside the demo, standing for the apps that take only a server, a
// name and a password (Finamp, Jellyseerr, sync tools). It signs in at Jellyfin's
// `POST /Users/AuthenticateByName`, which the service serves on its embedded directory, with an app
// password the user made at /sso/account: pasted in the terminal (or given as DEMO_APP_PASSWORD). Each
// line typed is a sign-in: a new password, or Enter alone to try the last one again (after a revoke, the
// next sign-in is refused). The password is never written anywhere by the demo; only the terminal shows
// what the person typed. The same step as a curl line is printed too.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** What the app sends as itself: Jellyfin needs the four device fields to make a session. */
export const APP_DEVICE = { client: 'jellyfin-sso demo app', name: 'Demo app', id: 'demo-app-0001' };
const APP_AUTHORIZATION = `MediaBrowser Client="${APP_DEVICE.client}", Device="${APP_DEVICE.name}", DeviceId="${APP_DEVICE.id}", Version="1.0.0"`;

export type AppSignIn =
  { ok: true; user: string; userId: string; device: string } | { ok: false; status: number; detail: string };

/** One sign-in as the app makes it (Jellyfin's AuthenticateByName); never throws for an HTTP refusal. */
export async function appSignIn(baseUrl: string, username: string, password: string): Promise<AppSignIn> {
  const response = await fetch(`${baseUrl}/Users/AuthenticateByName`, {
    method: 'POST',
    headers: {
      authorization: APP_AUTHORIZATION,
      accept: 'application/json',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ Username: username, Pw: password }),
  });
  const text = await response.text();
  if (response.status !== 200) return { ok: false, status: response.status, detail: detailOf(text) };
  // The answer is Jellyfin's AuthenticationResult; the app reads who it is and on which device.
  const result = JSON.parse(text) as {
    User: { Name: string; Id: string };
    SessionInfo?: { DeviceName?: string };
  };
  return {
    ok: true,
    user: result.User.Name,
    userId: result.User.Id,
    device: result.SessionInfo?.DeviceName ?? APP_DEVICE.name,
  };
}

/** A refusal's words: an RFC 9457 problem's `detail` (or title), else the body as it came. */
function detailOf(text: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
    if (typeof problem.detail === 'string') return problem.detail;
    if (typeof problem.title === 'string') return problem.title;
  } catch {
    // not JSON: shown as it came, shortened
  }
  return text.trim().slice(0, 200);
}

/**
 * The line the demo prints for one sign-in. A 401 is what an app shows for a wrong password: the demo
 * says what that means here (the problem's own detail is the service's generic one for any 401).
 */
export function describeSignIn(result: AppSignIn): string {
  if (result.ok) return `App signed in as ${result.user} (device ${result.device})`;
  const detail =
    result.status === 401
      ? 'wrong name or password (the app password was revoked, replaced, or mistyped)'
      : result.detail;
  return `App sign-in refused (${result.status}): ${detail}`;
}

export interface ScriptedAppOptions {
  /** Where this process reaches the service. */
  baseUrl: string;
  /** The address people open (SSO_PUBLIC_URL). */
  publicUrl: string;
  /** The name the app signs in with. */
  username: string;
  /** DEMO_APP_PASSWORD: a first sign-in right away. */
  password?: string;
  /** Where passwords are typed or piped, one a line (the demo's standard input). */
  input: Readable;
  /** Whether a person types at `input` (a terminal); only changes the wording. */
  interactive: boolean;
  write: (text: string) => void;
}

export interface ScriptedApp {
  /** Stops reading the input; the demo calls it when stopping. */
  stop(): void;
  /** Resolves once every sign-in asked for so far has been reported. */
  idle(): Promise<void>;
}

const PROMPT = 'Paste an app password and press Enter (Enter alone tries the last one again):';

/**
 * The app: prints its steps, signs in with DEMO_APP_PASSWORD when given, then once per line of input. It
 * reads with `terminal: false`, so the terminal keeps its usual mode and Ctrl-C still reaches the demo as
 * SIGINT; an input that ends (no terminal, a closed pipe) only ends the app's turns.
 */
export function startScriptedApp(options: ScriptedAppOptions): ScriptedApp {
  const { write } = options;
  let last = options.password?.trim() || undefined;
  let queue = Promise.resolve();
  const attempt = (password: string): void => {
    queue = queue.then(async () => {
      write(`\n  ${await signInLine(options, password)}\n`);
      if (options.interactive) write(`  ${PROMPT}\n`);
    });
  };

  write(appInstructions(options, last !== undefined));
  const reader = createInterface({ input: options.input, terminal: false, crlfDelay: Infinity });
  reader.on('line', (line) => {
    const typed = line.trim();
    if (typed !== '') last = typed;
    if (last === undefined) write(`  The app has no password yet. ${PROMPT}\n`);
    else attempt(last);
  });
  if (last !== undefined) attempt(last);
  return { stop: () => reader.close(), idle: () => queue };
}

/** One sign-in, as the line the demo prints (a network failure too, rather than a stack). */
async function signInLine(options: ScriptedAppOptions, password: string): Promise<string> {
  try {
    return describeSignIn(await appSignIn(options.baseUrl, options.username, password));
  } catch (error) {
    return `App sign-in failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function appInstructions(options: ScriptedAppOptions, given: boolean): string {
  const body = JSON.stringify({ Username: options.username, Pw: '<app password>' });
  const how = given
    ? `It signs in with DEMO_APP_PASSWORD now.${options.interactive ? ` Then: ${PROMPT}` : ''}`
    : options.interactive
      ? PROMPT
      : "Set DEMO_APP_PASSWORD to it, or write it to the demo's standard input (no terminal here).";
  return [
    '',
    '  A scripted app is waiting: it stands for the apps that take only a name and a password (Finamp,',
    `  Jellyseerr). It signs in as ${options.username} at ${options.publicUrl}/Users/AuthenticateByName.`,
    `  Make an app password at ${options.publicUrl}/sso/account (signed in as ${options.username}) and give it to the app.`,
    '',
    '  The app by hand, with curl:',
    `    curl -X POST -H 'Authorization: ${APP_AUTHORIZATION}' -H 'Content-Type: application/json' -d '${body}' ${options.publicUrl}/Users/AuthenticateByName`,
    '',
    `  ${how}`,
    '',
  ].join('\n');
}
