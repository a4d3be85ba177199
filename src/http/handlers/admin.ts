// Handlers of the `admin` tag: provider administration for both protocols, open flows, libraries and
// Unregister. Thin: each maps the generated request type to a use case and its result to a reply.
import type { FlowSummary as OpenFlowSummary } from '../../../generated/index.js';
import { listOpenFlows } from '../../sso/open-flows.js';
import type { ProviderAdmin } from '../../sso/provider-admin.js';
import type { ProviderTester } from '../../sso/provider-test.js';
import { samlMetadataSource, type SamlMetadataReader } from '../../sso/saml-metadata-import.js';
import type { Clock, FlowStore, MediaServer } from '../../sso/ports.js';
import type { ProtocolName } from '../../sso/provider-settings.js';
import type { UserAdmin } from '../../sso/user-admin.js';
import { reply, type Handler, type HandlersOfTag } from '../handler.js';
import type { ReplyOf } from '../operations.js';
import { prepareJson } from '../replies.js';
import { listActivityHandler, type ActivityHandlerDeps } from './activity.js';
import { previewHandlers, type PreviewHandlerDeps } from './preview.js';

export interface AdminDeps extends ActivityHandlerDeps, PreviewHandlerDeps {
  providerAdmin: ProviderAdmin;
  providerTester: ProviderTester;
  samlMetadata: SamlMetadataReader;
  userAdmin: UserAdmin;
  flows: FlowStore;
  mediaServer: MediaServer;
  clock: Clock;
}

export function createAdminHandlers(deps: AdminDeps): HandlersOfTag<'admin'> {
  const add =
    (protocol: ProtocolName): Handler<'addOidcProvider' | 'addSamlProvider'> =>
    async ({ path: { provider }, body }, state) => {
      const { record, warnings } = await deps.providerAdmin.save(protocol, provider, body, deps.clock.now());
      state.log.info({ protocol, provider, version: record.version, warnings }, 'provider saved');
      return reply({ kind: 'json', status: 200, body: { provider, version: record.version, warnings } });
    };
  const del =
    (protocol: ProtocolName): Handler<'deleteOidcProvider' | 'deleteSamlProvider'> =>
    async ({ path: { provider } }, state) => {
      await deps.providerAdmin.remove(protocol, provider);
      state.log.info({ protocol, provider }, 'provider deleted');
      return reply({ kind: 'empty', status: 200 });
    };
  const test =
    (protocol: ProtocolName): Handler<'testOidcProvider' | 'testSamlProvider'> =>
    async ({ path: { provider } }, state) => {
      const report = await deps.providerTester.test(protocol, provider);
      const statuses = report.checks.map(({ check, status }) => `${check}=${status}`);
      state.log.info({ protocol, provider, checks: statuses }, 'provider tested');
      return reply({ kind: 'json', status: 200, body: report });
    };
  const names = (protocol: ProtocolName): Handler<'getOidcProviderNames' | 'getSamlProviderNames'> => {
    const namesReply = preparedNamesReply();
    return async () => namesReply(await deps.providerAdmin.names(protocol));
  };

  return {
    addOidcProvider: add('oidc'),
    addSamlProvider: add('saml'),
    deleteOidcProvider: del('oidc'),
    deleteSamlProvider: del('saml'),
    getOidcProviderNames: names('oidc'),
    testOidcProvider: test('oidc'),
    testSamlProvider: test('saml'),
    ...previewHandlers(deps),
    getSamlProviderNames: names('saml'),
    getOidcProviders: async () =>
      reply({
        kind: 'json',
        status: 200,
        body: await deps.providerAdmin.list('oidc'),
      }),
    getSamlProviders: async () =>
      reply({
        kind: 'json',
        status: 200,
        body: await deps.providerAdmin.list('saml'),
      }),
    getOidcStates: async () => {
      const body: Record<string, OpenFlowSummary> = {};
      for (const { id, created, expires, ...flow } of await listOpenFlows(deps, 'oidc')) {
        body[id] = { ...flow, created: created.toISOString(), expires: expires.toISOString() };
      }
      return reply({ kind: 'json', status: 200, body });
    },
    importSamlMetadata: async ({ body }, state) => {
      const source = samlMetadataSource(body);
      const { certificateNotAfter, ...found } = await deps.samlMetadata.read(source);
      state.log.info({ entityId: found.entityId, warnings: found.warnings }, 'SAML metadata read');
      const notAfter = certificateNotAfter.toISOString();
      return reply({ kind: 'json', status: 200, body: { ...found, certificateNotAfter: notAfter } });
    },
    unregisterUser: async ({ path: { username }, body }, state) => {
      const user = await deps.userAdmin.setAuthenticationProvider(username, body);
      state.log.info({ userId: user.id }, 'authentication provider changed');
      return reply({ kind: 'empty', status: 200 });
    },
    listLibraries: async () =>
      reply({ kind: 'json', status: 200, body: await deps.mediaServer.listLibraries() }),
    listActivity: listActivityHandler(deps),
  };
}

/**
 * GetNames is public and on every login page: its reply is serialised and tagged once per list, and the
 * same bytes (and ETag) go out until the list changes.
 */
function preparedNamesReply(): (names: string[]) => ReplyOf<'getOidcProviderNames'> {
  let last: { names: string[]; reply: ReplyOf<'getOidcProviderNames'> } | undefined;
  return (names) => {
    const same = last?.names.length === names.length && names.every((name, i) => last?.names[i] === name);
    if (last === undefined || !same) {
      const prepared = prepareJson(names);
      last = { names, reply: reply({ kind: 'json', status: 200, body: names, prepared }) };
    }
    return last.reply;
  };
}
