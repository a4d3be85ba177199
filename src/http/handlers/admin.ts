// Handlers of the `admin` tag: provider administration for both protocols, open flows, libraries and
// Unregister. Thin: each translates the validated request into a use case and its result into a reply.
import type {
  AddOidcProviderResponses,
  GetOidcProviderNamesResponses,
  GetOidcProvidersResponses,
  GetOidcStatesResponses,
  GetSamlProvidersResponses,
  ListLibrariesResponses,
  OidcProviderConfig,
  OidcProviderInput,
  SamlProviderConfig,
  SamlProviderInput,
} from '../../../generated/index.js';
import type { ProviderAdmin } from '../../sso/provider-admin.js';
import type { Clock, FlowStore, MediaServer } from '../../sso/ports.js';
import type { ProtocolName } from '../../sso/provider-settings.js';
import type { UserAdmin } from '../../sso/user-admin.js';
import { empty, json, type Handler, type OperationContext } from '../handler.js';

export interface AdminDeps {
  providerAdmin: ProviderAdmin;
  userAdmin: UserAdmin;
  flows: FlowStore;
  mediaServer: MediaServer;
  clock: Clock;
}

export function pathParam(c: OperationContext, name: string): string {
  const value = (c.request.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

export function createAdminHandlers(deps: AdminDeps): Record<string, Handler> {
  const add =
    (protocol: ProtocolName): Handler =>
    async (c, state) => {
      const provider = pathParam(c, 'provider');
      const { record, warnings } = await deps.providerAdmin.save(
        protocol,
        provider,
        c.request.requestBody as OidcProviderInput | SamlProviderInput,
        deps.clock.now(),
      );
      state.log.info({ protocol, provider, version: record.version, warnings }, 'provider saved');
      return json<AddOidcProviderResponses, 200>(200, { provider, version: record.version, warnings });
    };
  const del =
    (protocol: ProtocolName): Handler =>
    async (c, state) => {
      const provider = pathParam(c, 'provider');
      await deps.providerAdmin.remove(protocol, provider);
      state.log.info({ protocol, provider }, 'provider deleted');
      return empty(200);
    };
  const names =
    (protocol: ProtocolName): Handler =>
    async () =>
      json<GetOidcProviderNamesResponses, 200>(200, await deps.providerAdmin.names(protocol));

  return {
    addOidcProvider: add('oidc'),
    addSamlProvider: add('saml'),
    deleteOidcProvider: del('oidc'),
    deleteSamlProvider: del('saml'),
    getOidcProviderNames: names('oidc'),
    getSamlProviderNames: names('saml'),
    getOidcProviders: async () =>
      json<GetOidcProvidersResponses, 200>(
        200,
        (await deps.providerAdmin.list('oidc')) as Record<string, OidcProviderConfig>,
      ),
    getSamlProviders: async () =>
      json<GetSamlProvidersResponses, 200>(
        200,
        (await deps.providerAdmin.list('saml')) as Record<string, SamlProviderConfig>,
      ),
    getOidcStates: async () => {
      const flows = await deps.flows.listOpen('oidc', deps.clock.now());
      const body: GetOidcStatesResponses[200] = {};
      for (const flow of flows) {
        if (flow.status !== 'started' && flow.status !== 'verified') continue;
        body[flow.id] = {
          provider: flow.providerName,
          protocol: flow.protocol,
          status: flow.status,
          isLinking: flow.purpose === 'link',
          created: flow.createdAt.toISOString(),
          expires: flow.expiresAt.toISOString(),
        };
      }
      return json<GetOidcStatesResponses, 200>(200, body);
    },
    unregisterUser: async (c, state) => {
      const username = pathParam(c, 'username');
      const user = await deps.userAdmin.setAuthenticationProvider(username, c.request.requestBody);
      state.log.info({ userId: user.id }, 'authentication provider changed');
      return empty(200);
    },
    listLibraries: async () => json<ListLibrariesResponses, 200>(200, await deps.mediaServer.listLibraries()),
  };
}
