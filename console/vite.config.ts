// Vite builds the admin console (console/) into dist/console/, which the service serves at /sso/admin/,
// and the signed-in user's account page (account.html), served at /sso/account from the same assets.
// Relative asset URLs keep a base path in front of /sso/ working; nothing is inlined, so the page's CSP can
// allow scripts and styles from its own origin only. `npm run ui:dev` serves it against the Prism mock.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const MOCK_URL = process.env['SSO_MOCK_URL'] ?? 'http://127.0.0.1:4010';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        account: fileURLToPath(new URL('account.html', import.meta.url)),
      },
      // What both pages share (preact, the client, the components) is one chunk of its own.
      output: { chunkFileNames: 'assets/shared-[hash].js' },
    },
    assetsInlineLimit: 0,
    target: 'es2022',
    // No inline polyfill script: the CSP would refuse it, and every supported browser has modulepreload.
    modulePreload: { polyfill: false },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: { port: 5173, strictPort: true, proxy: { '/sso/': MOCK_URL } },
});
