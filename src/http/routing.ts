// Case-insensitive routing (docs/plugin-compatibility.md §2.1): ASP.NET matched literal path segments in any letter
// case and tolerated one trailing slash, while openapi-backend matches exactly. Before routing, a request
// path is rewritten to the spelling of the one spec path it matches; parameter segments keep their case and
// stay percent-encoded (openapi-backend decodes them once; decoding here too would let `%3F` cut the path).

interface Template {
  /** A literal segment, or the name of a parameter (`literal: null`). */
  segments: { literal: string | null; name: string }[];
  path: string;
}

export interface CanonicalPath {
  path: string;
  /** The spec path it matched, or null when none did (a 404). */
  template: string | null;
  /** The path parameters of the matched template, each decoded once (empty when none matched). */
  params: Record<string, string>;
}

export interface PathCanonicaliser {
  canonicalise(rawPath: string): CanonicalPath;
}

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function createPathCanonicaliser(specPaths: string[]): PathCanonicaliser {
  const templates: Template[] = specPaths.map((path) => ({
    path,
    segments: path
      .split('/')
      .slice(1)
      .map((segment) => ({
        literal: /^\{.+\}$/.test(segment) ? null : segment,
        name: segment.slice(1, -1),
      })),
  }));
  // Paths without parameters, by their lower-case spelling: most requests need no template walk.
  const literalPaths = new Map(
    templates
      .filter((template) => template.segments.every((segment) => segment.literal !== null))
      .map((template) => [template.path.toLowerCase(), template.path]),
  );

  return {
    canonicalise(rawPath) {
      let path = rawPath;
      if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
      // Without `%`, decoding changes nothing: a literal path is found by its letters alone.
      const literal = path.includes('%') ? undefined : literalPaths.get(path.toLowerCase());
      if (literal !== undefined) return { path: literal, template: literal, params: {} };
      const raw = path.split('/').slice(1);
      // Literal segments are compared decoded (`%73so` is `sso`); parameters are re-encoded below.
      const parts = raw.map((part) => decode(part) ?? part);
      let best: { template: Template; literals: number } | null = null;
      for (const template of templates) {
        if (template.segments.length !== parts.length) continue;
        let literals = 0;
        let matches = true;
        for (let i = 0; i < parts.length; i++) {
          const literal = template.segments[i]?.literal ?? null;
          const part = parts[i] ?? '';
          if (literal === null) {
            if (part === '') matches = false;
          } else if (literal.toLowerCase() === part.toLowerCase()) {
            literals++;
          } else {
            matches = false;
          }
          if (!matches) break;
        }
        // The template with the most literal segments wins (`/sso/oid/links/x` over `/sso/{mode}/…`).
        if (matches && (best === null || literals > best.literals)) best = { template, literals };
      }
      if (best === null) return { path, template: null, params: {} };
      const chosen = best.template;
      const params: Record<string, string> = {};
      const canonical = raw.map((part, i) => {
        const segment = chosen.segments[i];
        if (segment === undefined || segment.literal !== null) return segment?.literal ?? part;
        params[segment.name] = parts[i] ?? part;
        return encodeURIComponent(parts[i] ?? part);
      });
      return { path: '/' + canonical.join('/'), template: chosen.path, params };
    },
  };
}
