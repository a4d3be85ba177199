// dependency-cruiser rules: the layering of docs/ARCHITECTURE.md "Layers", checked by `npm run lint:deps`.
// Folders depend inward only: http → sso ← protocols | storage | media-server.
// src/app.ts is the composition root; src/cli/** and src/demo/** are the other entry points that wire adapters.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'sso-is-pure',
      comment:
        'src/sso/ is the domain: it may import only src/sso/ and node builtins (no express, ORM, protocol ' +
        'libraries or generated types). Put the dependency behind a port in src/sso/ports.ts instead.',
      severity: 'error',
      from: { path: '^src/sso/' },
      to: { pathNot: '^src/sso/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'http-not-to-adapters',
      comment:
        'src/http/ is the edge: it talks to src/sso/ only, never to storage, protocols or media-server.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(storage|protocols|media-server)/' },
    },
    {
      name: 'adapters-only-from-composition-root',
      comment:
        'Only src/app.ts (and the cli/demo entry points) build concrete adapters. Everything else uses the ' +
        'ports in src/sso/ports.ts.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: '^src/(app\\.ts$|cli/|demo/|storage/|protocols/|media-server/)',
      },
      to: { path: '^src/(storage|protocols|media-server)/' },
    },
    {
      name: 'protocols-not-to-other-adapters',
      comment: 'A protocol adapter does not know about storage or the media server; app.ts wires them.',
      severity: 'error',
      from: { path: '^src/protocols/' },
      to: { path: '^src/(storage|media-server)/' },
    },
    {
      name: 'storage-not-to-other-adapters',
      comment: 'Storage does not know about protocols or the media server; app.ts wires them.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/(protocols|media-server)/' },
    },
    {
      name: 'media-server-not-to-protocols',
      comment:
        'The media-server adapters do not know about protocols. (media-server/embedded may use storage/, ' +
        'because the embedded directory lives in our own database.)',
      severity: 'error',
      from: { path: '^src/media-server/' },
      to: { path: '^src/protocols/' },
    },
    {
      name: 'generated-only-from-http',
      comment: 'generated/ (hey-api server types) is imported only by src/http/.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/http/' },
      to: { path: '^generated/' },
    },
    {
      name: 'src-not-to-clients-or-tests',
      comment: 'src/ never imports the published client (clients/) or test code (test/).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(clients|test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'No circular dependencies.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that cannot be resolved: a typo, or a package missing from package.json.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment:
        'Production code must not import devDependencies (they are absent from a production install). ' +
        'Type-only imports are fine. src/demo/ may use dev tools (e.g. an in-process oidc-provider).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/demo/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-undeclared-dep',
      comment: 'Imports a package that is not in package.json (only works by hoisting luck).',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-deprecated-core',
      comment: 'Deprecated node core module.',
      severity: 'warn',
      from: {},
      to: { dependencyTypes: ['core'], path: '^(punycode|domain|constants|sys|_linklist|_stream_wrap)$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
