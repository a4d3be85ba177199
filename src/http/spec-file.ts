// Reads the contract (openapi.yaml, or the JSON copy the production build parses from it) into a document.
import { readFileSync } from 'node:fs';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import type { Document } from 'openapi-backend';

/**
 * The document at `specPath`. JSON (the build's copy, scripts/build-server.ts) is read with JSON.parse, a
 * fraction of a YAML parse at start-up. YAML is read with js-yaml's core schema, which reads it as YAML 1.2
 * does (test/unit/spec-load.test.ts checks the two agree). Either parses to an untyped value;
 * openapi-backend checks the document's structure when it starts.
 */
export function loadSpec(specPath: string): Document {
  const text = readFileSync(specPath, 'utf8');
  return (
    specPath.endsWith('.json') ? JSON.parse(text) : loadYaml(text, { schema: CORE_SCHEMA })
  ) as Document;
}
