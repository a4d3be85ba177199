// The page that finishes a sign-in in the browser (docs/security.md §4, docs/plugin-compatibility.md §12). Its inputs
// travel as a JSON block (`id="sso-params"`), never interpolated into code; its one script is static, so
// the Content-Security-Policy allows exactly that script by hash and nothing else.
//
// Beside jellyfin-web (the Jellyfin adapter) it writes jellyfin-web's localStorage as the plugin's page did
// and navigates to /web/index.html; alone (the embedded directory) it shows who signed in, with a link to the
// user's account page. A linking flow calls Link with the signed-in user's stored credential before
// anything in storage changes; one started from the account page (`returnTo: 'account'`) goes back there
// (`/sso/account?linked=<provider>`), or on failure offers the way back instead of a retry. It never
// hangs: after a timeout it says what went wrong and offers a retry.
import { PAGE_STYLE_HASH, cspHash, escapeHtml, jsonForScript, pageHead } from './html.js';

export interface LoginPageParams {
  mode: 'OID' | 'SAML';
  provider: string;
  /** The one-time flow token. */
  data: string;
  isLinking: boolean;
  /** The page a linking flow goes back to when done (`account`: /sso/account); null: none. */
  returnTo: 'account' | null;
  /** `jellyfin-web`: store credentials for jellyfin-web on this origin; `standalone`: show the result. */
  target: 'jellyfin-web' | 'standalone';
  /** Where to start again. */
  retryUrl: string;
  /** Milliseconds before the page gives up and shows an error. */
  timeoutMs: number;
}

const LOGIN_SCRIPT = String.raw`
(function () {
  'use strict';
  var params = JSON.parse(document.getElementById('sso-params').textContent);
  var statusEl = document.getElementById('status');
  var detailEl = document.getElementById('detail');
  var retryEl = document.getElementById('retry');
  var accountBackEl = document.getElementById('account-back');
  var finished = false;
  var returnsToAccount = params.isLinking && params.returnTo === 'account';

  // A failure of a flow started from the account page leads back there rather than into a bare retry.
  function show(title, detail, retry) {
    statusEl.textContent = title;
    document.title = title;
    detailEl.textContent = detail || '';
    retryEl.classList.toggle('hidden', !retry || returnsToAccount);
    accountBackEl.classList.toggle('hidden', !retry || !returnsToAccount);
  }
  function failWith(detail) {
    finished = true;
    show(params.isLinking ? 'Linking failed' : 'Sign-in failed', detail, true);
    document.body.setAttribute('data-sso-state', 'error');
  }
  var timer = setTimeout(function () {
    if (!finished) failWith('This is taking too long. Check your connection and try again.');
  }, params.timeoutMs);

  function deviceName() {
    var ua = navigator.userAgent;
    var name = /Edg\//.test(ua) ? 'Edge Chromium' : /OPR\//.test(ua) ? 'Opera' : /Firefox\//.test(ua) ? 'Firefox'
      : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Web Browser';
    if (/iPad/.test(ua)) name += ' iPad'; else if (/iPhone/.test(ua)) name += ' iPhone'; else if (/Android/.test(ua)) name += ' Android';
    return name;
  }
  function readJson(key) {
    try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch (e) { return null; }
  }
  // jellyfin-web's device id (_deviceId2): base64 of "userAgent|timestamp" with '=' replaced by '1'.
  function deviceId() {
    var id = localStorage.getItem('_deviceId2');
    if (!id) {
      id = btoa(unescape(encodeURIComponent(navigator.userAgent + '|' + Date.now()))).replace(/=/g, '1');
      localStorage.setItem('_deviceId2', id);
    }
    return id;
  }
  function problemText(response, body) {
    if (body && typeof body.detail === 'string') return body.detail;
    return 'The server answered ' + response.status + '.';
  }
  function post(path, body, headers) {
    var h = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    for (var k in headers) h[k] = headers[k];
    return fetch(path, { method: 'POST', credentials: 'same-origin', headers: h, body: JSON.stringify(body) })
      .then(function (response) {
        return response.text().then(function (text) {
          var parsed = null;
          try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
          return { response: response, body: parsed };
        });
      });
  }
  function mediaBrowser(fields) {
    return 'MediaBrowser ' + Object.keys(fields).map(function (k) {
      return k + '="' + encodeURIComponent(fields[k]) + '"';
    }).join(', ');
  }

  var request = {
    deviceId: deviceId(),
    deviceName: deviceName(),
    appName: 'Jellyfin Web',
    appVersion: '10.11.0',
    data: params.data
  };
  // Jellyfin may live under a base path (/jellyfin/sso/…): keep whatever stands before /sso/.
  var prefix = location.pathname.slice(0, Math.max(0, location.pathname.toLowerCase().indexOf('/sso/')));
  var base = prefix + '/sso/' + params.mode + '/';
  var webIndex = prefix + '/web/index.html';
  var accountPage = prefix + '/sso/account';
  var provider = encodeURIComponent(params.provider);
  accountBackEl.querySelector('a').setAttribute('href', accountPage);

  function link() {
    var credentials = readJson('jellyfin_credentials');
    var server = credentials && credentials.Servers && credentials.Servers[0];
    var token = server && server.AccessToken;
    var userId = server && server.UserId;
    if (!token || !userId) {
      return Promise.reject(new Error('You are not signed in to Jellyfin in this browser. Sign in first, then link your account from your profile.'));
    }
    var auth = mediaBrowser({ Client: request.appName, Device: request.deviceName, DeviceId: request.deviceId, Version: request.appVersion, Token: token });
    return post(prefix + '/sso/' + params.mode.toLowerCase() + '/Link/' + provider + '/' + encodeURIComponent(userId), request, { 'Authorization': auth })
      .then(function (r) {
        if (r.response.status === 204) return;
        if (r.response.status === 409) throw new Error('This account is already linked to another Jellyfin user. ' + problemText(r.response, r.body));
        throw new Error(problemText(r.response, r.body));
      });
  }

  // Stores the session as jellyfin-web does (jellyfin-apiclient's Credentials), so jellyfin-web picks it up
  // and so a later linking flow in this browser knows who is signed in.
  function storeCredentials(result) {
    var credentials = readJson('jellyfin_credentials') || { Servers: [] };
    if (!Array.isArray(credentials.Servers)) credentials.Servers = [];
    var server = null;
    for (var i = 0; i < credentials.Servers.length; i++) {
      if (credentials.Servers[i].Id === result.ServerId) server = credentials.Servers[i];
    }
    if (!server) {
      server = { Id: result.ServerId, ManualAddress: location.origin + prefix, LastConnectionMode: 2 };
      credentials.Servers.unshift(server);
    }
    server.Name = server.Name || (result.User && result.User.ServerName) || 'Jellyfin';
    server.DateLastAccessed = Date.now();
    server.UserId = result.User.Id;
    server.AccessToken = result.AccessToken;
    result.User.EnableAutoLogin = true;
    localStorage.setItem('user-' + result.User.Id + '-' + result.ServerId, JSON.stringify(result.User));
    localStorage.setItem('jellyfin_credentials', JSON.stringify(credentials));
    localStorage.setItem('enableAutoLogin', 'true');
  }

  function signIn() {
    return post(base + 'Auth/' + provider, request, {}).then(function (r) {
      if (r.response.status !== 200 || !r.body || !r.body.AccessToken) throw new Error(problemText(r.response, r.body));
      return r.body;
    });
  }

  var work = params.isLinking
    ? link().then(function () {
        finished = true;
        if (returnsToAccount) {
          show('Account linked', 'Your ' + params.provider + ' account is now linked. Returning to your account…', false);
          document.body.setAttribute('data-sso-state', 'linked');
          location.replace(accountPage + '?linked=' + provider);
          return;
        }
        show('Account linked', 'Your ' + params.provider + ' account is now linked. '
          + (params.target === 'jellyfin-web' ? 'Returning to your profile…' : 'You can close this page.'), false);
        document.body.setAttribute('data-sso-state', 'linked');
        if (params.target === 'jellyfin-web') {
          setTimeout(function () { location.replace(webIndex + '#/mypreferencesmenu.html'); }, 1500);
        }
      })
    : signIn().then(function (result) {
        finished = true;
        if (params.target === 'jellyfin-web') {
          show('Signed in', 'Opening Jellyfin…', false);
          document.body.setAttribute('data-sso-state', 'signed-in');
          storeCredentials(result);
          location.replace(webIndex);
        } else {
          storeCredentials(result);
          var isAdmin = !!(result.User.Policy && result.User.Policy.IsAdministrator);
          show('Signed in as ' + result.User.Name, isAdmin
            ? 'You are an administrator of this server: open the admin console below, or close this page.'
            : 'You are signed in to this server. Nothing more is needed here: you can close this page.', false);
          document.getElementById('user').textContent = result.User.Name;
          var accountLink = document.getElementById('account');
          accountLink.setAttribute('href', accountPage);
          accountLink.parentNode.classList.remove('hidden');
          if (isAdmin) {
            var consoleLink = document.getElementById('console');
            consoleLink.setAttribute('href', prefix + '/sso/admin/');
            consoleLink.parentNode.classList.remove('hidden');
          }
          document.body.setAttribute('data-sso-state', 'signed-in');
        }
      });
  work.catch(function (error) { failWith(error && error.message ? error.message : String(error)); })
    .then(function () { clearTimeout(timer); });
})();
`;

export const LOGIN_SCRIPT_HASH = cspHash(LOGIN_SCRIPT);

/** Script by hash only; fetch to our own origin only; no framing, no forms, no base tag games. */
export const LOGIN_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${LOGIN_SCRIPT_HASH}`,
  `style-src ${PAGE_STYLE_HASH}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function loginPage(params: LoginPageParams): string {
  const heading = params.isLinking ? 'Linking your account…' : 'Signing in…';
  return `${pageHead(heading)}
<body data-sso-state="working">
<main>
<h1 id="status">${escapeHtml(heading)}</h1>
<p id="detail"></p>
<p><strong id="user"></strong></p>
<p class="hidden"><a id="account" href="#">Manage your account</a></p>
<p class="hidden"><a id="console" href="#">Open the admin console</a></p>
<p id="retry" class="hidden"><a href="${escapeHtml(params.retryUrl)}">Try again</a></p>
<p id="account-back" class="hidden"><a href="#">Back to your account</a></p>
<noscript><p>Please enable JavaScript to complete the sign-in.</p></noscript>
</main>
<script type="application/json" id="sso-params">${jsonForScript(params)}</script>
<script>${LOGIN_SCRIPT}</script>
</body>
</html>
`;
}
