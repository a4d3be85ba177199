// `--help` for the commands that otherwise start something (npm start, npm run demo, npm run bench): they
// print what they do and how they are configured, and exit 0 without starting anything.

/** True when the arguments ask for help. */
export function asksForHelp(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help');
}

export const START_USAGE = `Usage: npm start            (npm start -- --help shows this)

Runs jellyfin-sso with the settings in its environment; every variable is validated at start and a
problem is named in one line (README.md, "Configuration", says what each one means):

  PORT (8097)  HOST (127.0.0.1)  SSO_PUBLIC_URL (http://localhost:$PORT)
  SSO_DATABASE_URL (sqlite:./data/sso.sqlite)  SSO_DATA_DIR (./data)  SSO_SECRET_KEY (key file)
  SSO_MEDIA_SERVER (embedded | jellyfin)  JELLYFIN_URL  JELLYFIN_API_KEY  SSO_BOOTSTRAP_API_KEY
  LOG_LEVEL (info)  SSO_FLOW_TTL (600)  SSO_SAML_CLOCK_SKEW (120)  SSO_BODY_LIMIT (262144)
  SSO_RATE_LIMIT (300)  SSO_MAX_OPEN_FLOWS (50)  SSO_TRUST_PROXY (loopback)
  SSO_AVATAR_ALLOW_PRIVATE_HOSTS (false)  SSO_ACTIVITY_RETENTION_DAYS (30)

Once it runs: the admin console is at <SSO_PUBLIC_URL>/sso/admin/, the API is described in openapi.yaml.
`;

export const DEMO_USAGE = `Usage: npm run demo         (npm run demo -- --help shows this)

Starts jellyfin-sso on its embedded directory with a throwaway SQLite database, beside a small local
OpenID Provider with three accounts (alice: administrator, bob: member, carol: refused), two providers
already configured on it ("demo" to sign in, "backup" to link from /sso/account), and a fresh admin API
key; prints where to go and how to walk the self-service page. Ctrl-C stops everything.

  PORT (8097)  DEMO_IDP_PORT (a free port)  SSO_DATA_DIR (a temporary folder, removed at exit)

  --tv   also a scripted TV: it shows a Quick Connect code to type at /sso/device, and says who it is
         signed in as once the code is authorized
  --app  also a scripted app that takes only a name and a password (as Finamp or Jellyseerr do): paste
         an app password made at /sso/account and press Enter (Enter alone tries again), or set
         DEMO_APP_PASSWORD; it says "App signed in as alice" or that the sign-in was refused, and prints
         the same step as curl. DEMO_APP_USER (alice) is the name it signs in with
`;

export const BENCH_USAGE = `Usage: npm run bench        (npm run bench -- --help shows this)

Measures every hot path of the service next to its baselines in the same run and writes
bench/results/latest.json (bench/README.md explains the cases and the figures). Environment:

  BENCH_DURATION (5 s)  BENCH_WARMUP (2 s)  BENCH_ROUNDS (3)  BENCH_CONNECTIONS (16)
  BENCH_LOGIN_WORKERS (8)  BENCH_COLD_STARTS (3)  BENCH_QUICK=1 (a short run, results/quick.json)
  BENCH_PG_URL (a PostgreSQL server instead of a throwaway cluster)  BENCH_LOG_LEVEL (info)  BENCH_OUT
  BENCH_START_FLAGS (node flags for the production start of the cold-start and footprint rows)
  --compare (each ratio against the previous run, and the goals of issue #14 met or missed)
`;
