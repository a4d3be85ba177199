// The spec is read with js-yaml's core schema at start-up (fast); it must give exactly what the YAML 1.2
// parser `yaml` gives for openapi.yaml, or a construct of the spec would mean something else to the service.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SPEC_PATH } from '../../src/app.js';
import { loadSpec } from '../../src/http/api.js';

describe('loadSpec', () => {
  it('when openapi.yaml is loaded, then the document equals the one the yaml package parses', () => {
    expect(loadSpec(SPEC_PATH)).toStrictEqual(parse(readFileSync(SPEC_PATH, 'utf8')));
  });
});
