// Case-insensitive routing (PLUGIN-BEHAVIOR.md §2.1): ASP.NET matched literal path segments in any letter
// case and tolerated one trailing slash, while openapi-backend matches exactly. Before routing, a request
// path is rewritten to the spelling of the one spec path it matches; parameter segments keep their case.

interface Template {
  segments: { literal: string | null }[];
  path: string;
}

export interface PathCanonicaliser {
  canonicalise(rawPath: string): string;
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
      // Segments are percent-decoded once here, so parameters reach the handlers as text.
      const parts = path
        .split('/')
        .slice(1)
        .map((part) => {
          try {
            return decodeURIComponent(part);
          } catch {
            return part;
          }
        });
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
      if (best === null) return path.replace(/[^\x20-\x7e]/g, encodeURIComponent);
      const chosen = best.template;
      return '/' + parts.map((part, i) => chosen.segments[i]?.literal ?? part).join('/');
    },
  };
}
