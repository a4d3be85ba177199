// Handlers of the `links` tag: list, create and delete account links. The access rule (self or elevated)
// was enforced before these run (api.ts, `x-sso-access`).
import type { ListLinkDetailsResponses, ListOidcLinksResponses } from '../../../generated/index.js';
import type { LinkAdmin } from '../../sso/links.js';
import type { ProtocolName } from '../../sso/provider-settings.js';
import { normaliseUserIdParam } from '../api.js';
import { empty, json, type Handler, type OperationContext } from '../handler.js';
import { invalidField } from '../../sso/errors.js';
import { pathParam } from './admin.js';

export interface LinkHandlerDeps {
  linkAdmin: LinkAdmin;
}

function userIdOf(c: OperationContext): string {
  const id = normaliseUserIdParam(pathParam(c, 'jellyfinUserId'));
  if (id === null) throw invalidField('path.jellyfinUserId', 'must be 32 hex digits or a GUID');
  return id;
}

function protocolOf(c: OperationContext): ProtocolName {
  return pathParam(c, 'mode').toLowerCase() === 'saml' ? 'saml' : 'oidc';
}

export function createLinkHandlers(deps: LinkHandlerDeps): Record<string, Handler> {
  const list =
    (protocol: ProtocolName): Handler =>
    async (c) =>
      json<ListOidcLinksResponses, 200>(200, await deps.linkAdmin.list(protocol, userIdOf(c)));
  return {
    listLinkDetails: async (c) => {
      const details = await deps.linkAdmin.details(userIdOf(c));
      return json<ListLinkDetailsResponses, 200>(
        200,
        details.map((d) => ({ ...d, created: d.created.toISOString() })),
      );
    },
    listOidcLinks: list('oidc'),
    listSamlLinks: list('saml'),
    createLink: async (c, state) => {
      const body = c.request.requestBody as {
        deviceId: string;
        deviceName: string;
        appName: string;
        appVersion: string;
        data: string;
      };
      const outcome = await deps.linkAdmin.link({
        protocol: protocolOf(c),
        providerName: pathParam(c, 'provider'),
        userId: userIdOf(c),
        token: body.data,
        device: body,
        cookies: state.cookies,
      });
      state.log.info({ provider: pathParam(c, 'provider'), userId: userIdOf(c), outcome }, 'account link');
      return empty(204);
    },
    deleteLink: async (c, state) => {
      await deps.linkAdmin.unlink({
        protocol: protocolOf(c),
        providerName: pathParam(c, 'provider'),
        userId: userIdOf(c),
        subject: pathParam(c, 'canonicalName'),
      });
      state.log.info({ provider: pathParam(c, 'provider'), userId: userIdOf(c) }, 'account unlinked');
      return empty(200);
    },
  };
}
