// Case-insensitive JSON keys (docs/plugin-compatibility.md §2.3): the plugin bound input properties in any letter
// case, so `OidEndpoint` and `oidEndpoint` both worked. Before validation, keys are rewritten to the
// spelling of the schema's properties; unknown keys stay as they are, for validation to name them.
import { isRecord } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';

interface SchemaLike {
  type?: string | string[];
  properties?: Record<string, SchemaLike>;
  items?: SchemaLike;
  anyOf?: SchemaLike[];
  oneOf?: SchemaLike[];
}

export function canonicaliseKeys(value: unknown, schema: SchemaLike | undefined, pointer = ''): unknown {
  if (schema === undefined || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = schema.items ?? firstWith(schema, 'items')?.items;
    return value.map((item, index) => canonicaliseKeys(item, items, `${pointer}/${index}`));
  }
  const properties = schema.properties ?? firstWith(schema, 'properties')?.properties;
  if (properties === undefined || !isRecord(value)) return value;
  const byLowerName = new Map(Object.keys(properties).map((name) => [name.toLowerCase(), name]));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const name = byLowerName.get(key.toLowerCase()) ?? key;
    if (Object.prototype.hasOwnProperty.call(out, name)) {
      throw new SsoError(
        'invalid_request',
        `${pointer}/${name}: given more than once (in different letter cases)`,
        {
          step: 'request',
          errors: [
            { field: `/body${pointer}/${name}`, message: 'given more than once (in different letter cases)' },
          ],
        },
      );
    }
    // defineProperty, not assignment: `__proto__` must stay an ordinary (unknown, refused) key, never
    // replace the object's prototype and smuggle its fields past validation.
    Object.defineProperty(out, name, {
      value: canonicaliseKeys(child, properties[name], `${pointer}/${name}`),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function firstWith(schema: SchemaLike, key: 'items' | 'properties'): SchemaLike | undefined {
  return [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].find((s) => s[key] !== undefined);
}
