// The pages escape everything they echo and carry their inputs as inert JSON; the CSP hash matches the
// one inline script, so the page needs no 'unsafe-inline'.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jsonForScript, escapeHtml } from '../../src/http/html.js';
import { LOGIN_PAGE_CSP, loginPage } from '../../src/http/login-page.js';
import { errorPage } from '../../src/http/pages.js';

const HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>&"\'\u2028';

describe('pages', () => {
  it('when a value holds markup, then escapeHtml neutralises every special character', () => {
    expect(escapeHtml('<a href="x">&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });

  it('when JSON for a script block holds </script>, then it cannot close the block and still parses back', () => {
    const text = jsonForScript({ provider: HOSTILE });
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual({ provider: HOSTILE });
  });

  it('when the login page echoes a hostile provider name, then it appears only inside the JSON block', () => {
    const html = loginPage({
      mode: 'OID',
      provider: HOSTILE,
      data: 'token',
      isLinking: false,
      returnTo: null,
      target: 'standalone',
      retryUrl: `https://example.com/sso/OID/start/${encodeURIComponent(HOSTILE)}`,
      timeoutMs: 1000,
    });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html.match(/<script/g)).toHaveLength(2);
  });

  it('when the login page is served, then the CSP allows exactly its inline script by hash', () => {
    const html = loginPage({
      mode: 'SAML',
      provider: 'p',
      data: 't',
      isLinking: true,
      returnTo: 'account',
      target: 'jellyfin-web',
      retryUrl: '/',
      timeoutMs: 1000,
    });
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(LOGIN_PAGE_CSP).toContain(`script-src 'sha256-${hash}'`);
    expect(LOGIN_PAGE_CSP).not.toContain('unsafe');
    expect(LOGIN_PAGE_CSP).toContain("frame-ancestors 'none'");
  });

  it('when the error page shows a detail with markup, then it is escaped', () => {
    const html = errorPage({
      problem: {
        status: 401,
        title: 'Unauthorized',
        detail: HOSTILE,
        code: 'idp_error',
        reason: HOSTILE,
        requestId: HOSTILE,
        errors: [{ field: HOSTILE, message: HOSTILE }],
      },
      retryUrl: 'javascript:alert(1)"',
    });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;/script&gt;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('javascript:');
  });
});
