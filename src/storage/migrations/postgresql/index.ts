// The postgresql migrations, in order. Written by scripts/generate-migration.ts; keep the order.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261129231613_initial } from './Migration20261129231613_initial.js';
import { Migration20261202163320_sign_in_claims } from './Migration20261202163320_sign_in_claims.js';
import { Migration20261202163411_login_flow_client_hash } from './Migration20261202163411_login_flow_client_hash.js';
import { Migration20261203003708_drop_login_flow_decision } from './Migration20261203003708_drop_login_flow_decision.js';
import { Migration20261203055644_activity_log } from './Migration20261203055644_activity_log.js';
import { Migration20261203140241_sso_sessions } from './Migration20261203140241_sso_sessions.js';

export const postgresqlMigrations: MigrationObject[] = [
  { name: 'Migration20261129231613_initial', class: Migration20261129231613_initial },
  { name: 'Migration20261202163320_sign_in_claims', class: Migration20261202163320_sign_in_claims },
  { name: 'Migration20261202163411_login_flow_client_hash', class: Migration20261202163411_login_flow_client_hash },
  { name: 'Migration20261203003708_drop_login_flow_decision', class: Migration20261203003708_drop_login_flow_decision },
  { name: 'Migration20261203055644_activity_log', class: Migration20261203055644_activity_log },
  { name: 'Migration20261203140241_sso_sessions', class: Migration20261203140241_sso_sessions },
];
