// Tiny HTML helpers shared by every page: escaping, JSON that is safe inside <script>, and CSP hashes for
// the inline style and script blocks (so the Content-Security-Policy needs no 'unsafe-inline').
import { createHash } from 'node:crypto';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the JS line separators are
 * escaped so the text can never close the script element or be read as markup.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The CSP source expression for an inline block: `'sha256-…'` (CSP Level 3 §8.4). */
export function cspHash(content: string): string {
  return `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`;
}

export const PAGE_STYLE = `
body{background:#101010;color:#d1cfce;font-family:"Noto Sans",system-ui,sans-serif;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{max-width:34rem;padding:2rem;text-align:center}
h1{font-weight:500;font-size:1.5rem;margin:0 0 1rem}
p{line-height:1.5}
a,button{color:#00a4dc}
button{background:none;border:1px solid #00a4dc;border-radius:4px;padding:.5rem 1rem;font:inherit;cursor:pointer}
.small{font-size:.8rem;opacity:.7}
.hidden{display:none}
`;
export const PAGE_STYLE_HASH = cspHash(PAGE_STYLE);

/**
 * The opening of every page in the shared look, through `</head>`: the title (escaped here), the shared style
 * and any `extraStyles` (each allowed by its hash in the page's CSP).
 */
export function pageHead(title: string, ...extraStyles: string[]): string {
  const styles = [PAGE_STYLE, ...extraStyles].map((style) => `<style>${style}</style>\n`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
${styles}</head>`;
}

/** The CSP of a page that runs one inline script: it by hash, fetch to our own origin, no framing or forms. */
export function scriptPageCsp(script: string): string {
  return [
    "default-src 'none'",
    `script-src ${cspHash(script)}`,
    `style-src ${PAGE_STYLE_HASH}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
