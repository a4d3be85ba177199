// The client package's version is the contract's: clients/typescript/package.json follows info.version of
// openapi.yaml, so a caller can tell which API a client speaks.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
}

it('equals info.version of openapi.yaml', () => {
  const spec: unknown = parse(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8'));
  expect(readJson('clients/typescript/package.json')).toMatchObject({
    version: (spec as { info: { version: string } }).info.version, // the spec's shape is checked by lint:spec
  });
});
