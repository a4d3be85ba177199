// A fetch-driven browser for the service's own browser steps: follows nothing by itself, keeps cookies in
// a CookieJar, and reads the login page's `sso-params` block.
import { CookieJar } from './oidc-idp.js';

export { CookieJar };

export interface PageParams {
  mode: 'OID' | 'SAML';
  provider: string;
  data: string;
  isLinking: boolean;
  returnTo: 'account' | null;
  target: string;
  retryUrl: string;
}

export interface BrowserResponse {
  status: number;
  headers: Headers;
  text: string;
}

export async function browserGet(url: string | URL, jar: CookieJar): Promise<BrowserResponse> {
  const response = await fetch(url, {
    redirect: 'manual',
    headers: { cookie: jar.header(), accept: 'text/html' },
  });
  jar.store(response);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export async function browserPostForm(
  url: string | URL,
  form: Record<string, string>,
  jar: CookieJar | null,
): Promise<BrowserResponse> {
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...(jar === null ? {} : { cookie: jar.header() }),
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
  jar?.store(response);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export function pageParams(html: string): PageParams {
  const match = /<script type="application\/json" id="sso-params">([^<]*)<\/script>/.exec(html);
  if (match === null) throw new Error(`no sso-params block in: ${html.slice(0, 300)}`);
  return JSON.parse(match[1] ?? '') as PageParams;
}

/** The device fields jellyfin-web would send, plus the one-time token. */
export function authBody(
  data: string,
  deviceId = 'TW96aWxsYS81LjB8MTczMjkwMDAwMDAwMA11',
): {
  deviceId: string;
  deviceName: string;
  appName: string;
  appVersion: string;
  data: string;
} {
  return { deviceId, deviceName: 'Firefox', appName: 'Jellyfin Web', appVersion: '10.11.0', data };
}
