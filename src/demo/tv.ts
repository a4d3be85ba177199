// `npm run demo -- --tv`: a scripted TV beside the demo. It asks the service (the embedded directory is its
// Jellyfin) for a Quick Connect code, prints the code and where to type it, polls until someone authorizes
// it, then exchanges it for its session and prints who it is signed in as. The same steps as curl lines
// are printed too, for trying it by hand.

/** What the TV sends as itself: Jellyfin needs the four device fields at Initiate. */
const TV_AUTHORIZATION =
  'MediaBrowser Client="jellyfin-sso demo TV", Device="Demo TV", DeviceId="demo-tv-0001", Version="1.0.0"';
const POLL_MS = 2_000;
/** A code lives ten minutes: the TV stops polling then. */
const GIVE_UP_MS = 10 * 60_000;

interface TvRequest {
  Secret: string;
  Code: string;
  Authenticated: boolean;
}

export interface ScriptedTvOptions {
  /** Where this process reaches the service. */
  baseUrl: string;
  /** The address people open (SSO_PUBLIC_URL). */
  publicUrl: string;
  write: (text: string) => void;
  /** False once the demo is stopping: the TV stops polling. */
  running: () => boolean;
}

async function call(baseUrl: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: TV_AUTHORIZATION,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status !== 200) throw new Error(`the TV's ${path} got HTTP ${response.status}`);
  return response.json();
}

/** The TV: initiate, show the code, poll, exchange; resolves once it is signed in (or gives up). */
export async function runScriptedTv(options: ScriptedTvOptions): Promise<void> {
  const { baseUrl, write } = options;
  // The answers are Jellyfin's QuickConnectResult and AuthenticationResult; the demo reads two fields.
  const request = (await call(baseUrl, 'POST', '/QuickConnect/Initiate')) as TvRequest;
  write(tvInstructions(options.publicUrl, request));
  const until = Date.now() + GIVE_UP_MS;
  while (options.running() && Date.now() < until) {
    const state = (await call(
      baseUrl,
      'GET',
      `/QuickConnect/Connect?secret=${encodeURIComponent(request.Secret)}`,
    )) as TvRequest;
    if (state.Authenticated) {
      const result = (await call(baseUrl, 'POST', '/Users/AuthenticateWithQuickConnect', {
        Secret: request.Secret,
      })) as { User: { Name: string } };
      write(`\n  TV signed in as ${result.User.Name}\n\n`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (options.running()) write('\n  The TV gave up: its code expired. Run the demo with --tv again.\n');
}

function tvInstructions(publicUrl: string, request: TvRequest): string {
  const header = `-H 'Authorization: ${TV_AUTHORIZATION}'`;
  return [
    '',
    `  A scripted TV is waiting. Its Quick Connect code: ${request.Code}`,
    `  Open ${publicUrl}/sso/device on a phone or computer, type the code and sign in (alice or bob;`,
    '  carol is refused and the TV stays signed out).',
    '',
    '  The TV by hand, with curl:',
    `    curl -X POST ${header} ${publicUrl}/QuickConnect/Initiate`,
    `    curl '${publicUrl}/QuickConnect/Connect?secret=<Secret>'`,
    `    curl -X POST -H 'Content-Type: application/json' -d '{"Secret":"<Secret>"}' ${publicUrl}/Users/AuthenticateWithQuickConnect`,
    '',
  ].join('\n');
}
