// The page that signs a browser out (`/sso/logout`): it reads jellyfin-web's session from this origin's
// localStorage, asks `endLogout` to end it, clears jellyfin-web's stored credentials, and goes where the
// answer says (the IdP's logout, or the login page). Its one script is static and allowed by hash; it is
// given nothing but where to go when something fails.
import { escapeHtml, jsonForScript, pageHead, scriptPageCsp } from './html.js';

export interface LogoutPageParams {
  /** Where to go when the service cannot be asked (the login page). */
  fallbackUrl: string;
  /** Milliseconds before the page gives up waiting and goes to `fallbackUrl`. */
  timeoutMs: number;
}

const LOGOUT_SCRIPT = String.raw`
(function () {
  'use strict';
  var params = JSON.parse(document.getElementById('sso-params').textContent);
  var done = false;
  function readJson(key) {
    try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch (e) { return null; }
  }
  // jellyfin-web's credentials (jellyfin-apiclient's Credentials): the session to end, then forgotten as
  // jellyfin-web's own sign-out does (the server entry stays, without its user and token).
  var credentials = readJson('jellyfin_credentials');
  var servers = credentials && Array.isArray(credentials.Servers) ? credentials.Servers : [];
  var server = null;
  for (var i = 0; i < servers.length && !server; i++) if (servers[i] && servers[i].AccessToken) server = servers[i];
  function forget() {
    for (var j = 0; j < servers.length; j++) {
      if (servers[j] && servers[j].UserId) localStorage.removeItem('user-' + servers[j].UserId + '-' + servers[j].Id);
      if (servers[j]) { servers[j].AccessToken = null; servers[j].UserId = null; }
    }
    if (credentials) localStorage.setItem('jellyfin_credentials', JSON.stringify(credentials));
  }
  function go(url) {
    if (done) return;
    done = true;
    document.body.setAttribute('data-sso-state', 'signed-out');
    location.replace(url);
  }
  setTimeout(function () { forget(); go(params.fallbackUrl); }, params.timeoutMs);
  var prefix = location.pathname.slice(0, Math.max(0, location.pathname.toLowerCase().indexOf('/sso/')));
  fetch(prefix + '/sso/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
    body: JSON.stringify({
      accessToken: server ? server.AccessToken : null,
      deviceId: localStorage.getItem('_deviceId2')
    })
  }).then(function (response) {
    return response.ok ? response.json() : null;
  }).catch(function () { return null; }).then(function (answer) {
    forget();
    go(answer && typeof answer.redirect === 'string' ? answer.redirect : params.fallbackUrl);
  });
})();
`;

/** Script by hash only; fetch to our own origin only; the browser then leaves by navigation. */
export const LOGOUT_PAGE_CSP = scriptPageCsp(LOGOUT_SCRIPT);

export function logoutPage(params: LogoutPageParams): string {
  return `${pageHead('Signing out…')}
<body data-sso-state="working">
<main>
<h1 id="status">Signing out…</h1>
<noscript><p>Please enable JavaScript to sign out, or <a href="${escapeHtml(params.fallbackUrl)}">go back to the login page</a>.</p></noscript>
</main>
<script type="application/json" id="sso-params">${jsonForScript(params)}</script>
<script>${LOGOUT_SCRIPT}</script>
</body>
</html>
`;
}
