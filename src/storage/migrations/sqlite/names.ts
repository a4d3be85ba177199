// The sqlite migrations' names, in order: what a start compares with the applied ones before it
// loads any migration. Written by scripts/generate-migration.ts with index.ts; keep the two alike.
export const sqliteMigrationNames: readonly string[] = [
  'Migration20261129231613_initial',
  'Migration20261202163320_sign_in_claims',
  'Migration20261202163411_login_flow_client_hash',
  'Migration20261203003708_drop_login_flow_decision',
  'Migration20261203055644_activity_log',
  'Migration20261203140241_sso_sessions',
  'Migration20261203140426_pending_links',
  'Migration20261203141741_quick_connect',
  'Migration20261203143840_app_passwords',
];
