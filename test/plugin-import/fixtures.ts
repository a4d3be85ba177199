// The plugin configuration fixtures (test/fixtures/plugin/) with their placeholders filled in, and the
// import command run in-process against a test app's database and embedded directory.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import type { ImportReport } from '../../src/cli/import-plugin.js';
import type { TestApp } from '../support/app.js';
import { pemToBase64Der } from '../support/saml-idp.js';

const folder = new URL('../fixtures/plugin/', import.meta.url);

/** The test SAML IdP's certificate, PEM armour and line breaks included, as an admin would paste it. */
export const IDP_CERT_PEM = readFileSync(new URL('../fixtures/saml/idp-cert.pem', import.meta.url), 'utf8');

/** A user id in Jellyfin's dashed GUID form, as the plugin's XML writes it. */
export function dashed(id: string): string {
  return id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

const DEFAULTS: Record<string, string> = {
  OIDC_ENDPOINT: 'https://auth.example.com/application/o/jellyfin/',
  SAML_CERT: IDP_CERT_PEM.trim(),
  SAML_CERT_BASE64: pemToBase64Der(IDP_CERT_PEM),
  ALICE_ID: '00000000-0000-0000-0000-00000000a11c',
  ROOT_ID: '00000000-0000-0000-0000-0000000000ad',
  SAM_ID: '00000000-0000-0000-0000-000000000005',
};

/** The fixture's text with `{{NAME}}` replaced by `values`, else by a default. */
export function pluginFixture(name: string, values: Record<string, string> = {}): string {
  const text = readFileSync(new URL(name, folder), 'utf8');
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? DEFAULTS[key] ?? '');
}

/** Writes `text` into the app's data folder and returns its path. */
export function fileIn(t: TestApp, name: string, text: string): string {
  const path = join(t.dataDir, name);
  writeFileSync(path, text);
  return path;
}

export interface ImportRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- import-plugin <file> [flags]` on the app's database and embedded directory. */
export async function runImport(t: TestApp, file: string, ...flags: string[]): Promise<ImportRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['import-plugin', file, ...flags], {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: {
      SSO_DATABASE_URL: t.config.databaseUrl,
      SSO_DATA_DIR: t.dataDir,
      SSO_PUBLIC_URL: t.config.publicUrl,
    },
  });
  return { code, stdout, stderr };
}

/** The JSON report of a run that must succeed. */
export async function importReport(t: TestApp, file: string, ...flags: string[]): Promise<ImportReport> {
  const run = await runImport(t, file, '--json', ...flags);
  if (run.code !== 0) throw new Error(`import-plugin exited ${run.code}: ${run.stderr}`);
  // The command printed its report as JSON: the shape is ImportReport by construction.
  return JSON.parse(run.stdout) as ImportReport;
}
