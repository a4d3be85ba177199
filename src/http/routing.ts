// Case-insensitive routing (docs/plugin-compatibility.md §2.1): ASP.NET matched literal path segments in any letter
// case and tolerated one trailing slash, while openapi-backend matches exactly. Before routing, a request
// path is rewritten to the spelling of the one spec path it matches; parameter segments keep their case and
// stay percent-encoded (openapi-backend decodes them once; decoding here too would let `%3F` cut the path).

interface Template {
  segments: { literal: string | null }[];
  path: string;
}

export interface CanonicalPath {
  path: string;
  /** The spec path it matched, or null when none did (a 404). */
  template: string | null;
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
      .map((segment) => ({ literal: /^\{.+\}$/.test(segment) ? null : segment })),
  }));

  return {
    canonicalise(rawPath) {
      let path = rawPath;
      if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
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
      if (best === null) return { path, template: null };
      const chosen = best.template;
      const canonical = raw.map(
        (part, i) => chosen.segments[i]?.literal ?? encodeURIComponent(decode(part) ?? part),
      );
      return { path: '/' + canonical.join('/'), template: chosen.path };
    },
  };
}
