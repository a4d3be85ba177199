// The pages of signing a TV in: the form that takes the TV's code (scriptless; it may only submit to our own
// origin), and the page that ends the sign-in by authorizing the code. That one's inputs travel as a JSON
// block (`id="sso-params"`), never interpolated into code; its one script is static and allowed by hash.
import { SsoError } from '../sso/errors.js';
import type { FinishedLogin } from '../sso/login.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { PAGE_STYLE_HASH, escapeHtml, jsonForScript, scriptPageCsp } from './html.js';
import type { HtmlReply } from './operations.js';
import { staticPage as page } from './pages.js';

export interface DeviceFormParams {
  /** Where the form is sent (`…/sso/device/start`). */
  action: string;
  /** The code to fill in, when a link carried it. */
  code: string;
  /** The switched-on providers, as `protocol:name` values with their names. */
  providers: { value: string; name: string }[];
}

export interface DeviceFinishParams {
  protocol: 'oidc' | 'saml';
  provider: string;
  /** The one-time flow token. */
  data: string;
  /** Where to start again (the code form). */
  retryUrl: string;
  timeoutMs: number;
}

/** The form page: our own origin only, no script at all. */
export const DEVICE_FORM_CSP = `default-src 'none'; style-src ${PAGE_STYLE_HASH}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

export function deviceFormPage(params: DeviceFormParams): string {
  const [only] = params.providers;
  const choice =
    params.providers.length === 0
      ? '<p id="no-provider">No sign-in provider is switched on. Ask your admin.</p>'
      : params.providers.length === 1 && only !== undefined
        ? `<input type="hidden" name="provider" value="${escapeHtml(only.value)}">
<p>You will sign in with <strong>${escapeHtml(only.name)}</strong>.</p>`
        : `<p><label>Sign in with <select name="provider">${params.providers
            .map((p) => `<option value="${escapeHtml(p.value)}">${escapeHtml(p.name)}</option>`)
            .join('')}</select></label></p>`;
  return page(
    'Sign in on your TV',
    `<p>Open Quick Connect on your TV and type the code it shows.</p>
<form method="get" action="${escapeHtml(params.action)}">
<p><label>Code <input name="code" value="${escapeHtml(params.code)}" inputmode="numeric" autocomplete="one-time-code" maxlength="32" required autofocus></label></p>
${choice}
<p><button type="submit">Continue</button></p>
</form>`,
  );
}

const DEVICE_SCRIPT = String.raw`
(function () {
  'use strict';
  var params = JSON.parse(document.getElementById('sso-params').textContent);
  var statusEl = document.querySelector('h1');
  var detailEl = document.getElementById('detail');
  var retryEl = document.getElementById('retry');
  var finished = false;
  function show(title, detail, retry, state) {
    finished = true;
    statusEl.textContent = title;
    document.title = title;
    detailEl.textContent = detail;
    retryEl.classList.toggle('hidden', !retry);
    document.body.setAttribute('data-sso-state', state);
  }
  var timer = setTimeout(function () {
    if (!finished) show('Your TV was not signed in', 'This is taking too long. Check your connection and try again.', true, 'error');
  }, params.timeoutMs);
  // The service may live under a base path (/jellyfin/sso/…): keep whatever stands before /sso/.
  var prefix = location.pathname.slice(0, Math.max(0, location.pathname.toLowerCase().indexOf('/sso/')));
  fetch(prefix + '/sso/device/authorize', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
    body: JSON.stringify({ protocol: params.protocol, provider: params.provider, data: params.data })
  }).then(function (response) {
    return response.json().catch(function () { return null; }).then(function (body) {
      if (response.status === 200 && body && body.userName) {
        show('Your TV is signed in as ' + body.userName, 'You can close this page and use your TV.', false, 'authorized');
        document.getElementById('user').textContent = body.userName;
        return;
      }
      var detail = body && typeof body.detail === 'string' ? body.detail : 'The server answered ' + response.status + '.';
      show('Your TV was not signed in', detail, true, 'error');
    });
  }).catch(function (error) {
    show('Your TV was not signed in', error && error.message ? error.message : String(error), true, 'error');
  }).then(function () { clearTimeout(timer); });
})();
`;

/** Script by hash only; fetch to our own origin only; no framing, no forms. */
export const DEVICE_FINISH_CSP = scriptPageCsp(DEVICE_SCRIPT);

export function deviceFinishPage(params: DeviceFinishParams): string {
  return page(
    'Signing your TV in…',
    `<p id="detail"></p>
<p><strong id="user"></strong></p>
<p id="retry" class="hidden"><a href="${escapeHtml(params.retryUrl)}">Try again</a></p>
<noscript><p>Please enable JavaScript to finish signing your TV in.</p></noscript>
<script type="application/json" id="sso-params">${jsonForScript(params)}</script>
<script>${DEVICE_SCRIPT}</script>`,
  );
}

/** The code form: where a person starts again after any refusal. */
export function deviceFormUrl(publicUrl: string): string {
  return `${publicUrl}/sso/device`;
}

/** The page that ends a TV's sign-in (the IdP's answer to a flow of purpose `device`). */
export function deviceFinishReply(
  deps: { publicUrl: string; pageTimeoutMs?: number },
  protocol: ProtocolName,
  provider: string,
  verified: FinishedLogin,
): HtmlReply<{ 200: string }> {
  if (verified.kind === 'already-finished') {
    throw new SsoError('flow_used', 'This TV sign-in was already completed in this browser.', {
      step: 'state',
      reason: 'device_code_used',
    });
  }
  return {
    kind: 'html',
    status: 200,
    csp: DEVICE_FINISH_CSP,
    html: deviceFinishPage({
      protocol,
      provider,
      data: verified.token,
      retryUrl: deviceFormUrl(deps.publicUrl),
      timeoutMs: deps.pageTimeoutMs ?? 30_000,
    }),
  };
}
