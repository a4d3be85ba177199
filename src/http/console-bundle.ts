// The admin console's built files (`npm run build:console` writes them to dist/console/): read once at
// start into memory, so serving them touches no disk and no request can name a path outside the bundle.
// The build has two pages sharing one assets/ folder: the console (index.html) and the signed-in user's
// account page (account.html).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ConsoleBundle {
  /** The page, as Vite wrote it (its scripts and styles are files under assets/, never inline). */
  html: string;
  /** The account page, as Vite wrote it; null in a build made before it existed. */
  accountHtml: string | null;
  /** File name under assets/ → its bytes as text and its media type. */
  assets: Map<string, { contentType: string; text: string }>;
}

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The bundle in `dir`, or null when it has not been built (the console then answers 503). */
export function loadConsoleBundle(dir: string): ConsoleBundle | null {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return null;
  const assets = new Map<string, { contentType: string; text: string }>();
  const assetDir = join(dir, 'assets');
  for (const name of existsSync(assetDir) ? readdirSync(assetDir) : []) {
    const contentType = ASSET_TYPES[name.slice(name.lastIndexOf('.'))];
    if (contentType !== undefined) {
      assets.set(name, { contentType, text: readFileSync(join(assetDir, name), 'utf8') });
    }
  }
  const accountPath = join(dir, 'account.html');
  const accountHtml = existsSync(accountPath) ? readFileSync(accountPath, 'utf8') : null;
  return { html: readFileSync(indexPath, 'utf8'), accountHtml, assets };
}

/**
 * Scripts and styles from this origin only, API calls to this origin only; nothing inline, no framing,
 * no plugins, no base-tag games. Images may be data: URLs (the console draws none from elsewhere).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
