// Handlers of the `links` tag: list, create and delete account links. The access rule (the user themself
// or an elevated caller, sso/links.ts `checkLinksAccess`) was enforced before these run.
import { invalidField, SsoError } from '../../sso/errors.js';
import { isElevated } from '../../sso/ports.js';
import { parseUserId, type LinkAdmin } from '../../sso/links.js';
import type { ProtocolName } from '../../sso/provider-settings.js';
import { reply, type Handler, type HandlersOfTag, type RequestState } from '../handler.js';
import { searchUsersHandler, type UserSearchHandlerDeps } from './user-search.js';

export interface LinkHandlerDeps extends UserSearchHandlerDeps {
  linkAdmin: LinkAdmin;
}

function userIdOf(path: { jellyfinUserId: string }): string {
  const id = parseUserId(path.jellyfinUserId);
  if (id === null) throw invalidField('path.jellyfinUserId', 'must be 32 hex digits or a GUID');
  return id;
}

/** `{mode}` is `oid` or `saml` in any letter case (the spec's pattern). */
function protocolOf(path: { mode: string }): ProtocolName {
  return path.mode.toLowerCase() === 'saml' ? 'saml' : 'oidc';
}

/** The override of the last-way-in rule is an administrator's decision only. */
function lastWayInOverride(asked: boolean | undefined, state: RequestState): boolean {
  if (asked !== true) return false;
  if (state.principal !== null && isElevated(state.principal)) return true;
  throw new SsoError('forbidden', 'Only administrators may unlink the last way in of a user.', {
    step: 'credentials',
  });
}

export function createLinkHandlers(deps: LinkHandlerDeps): HandlersOfTag<'links'> {
  const list =
    (protocol: ProtocolName): Handler<'listOidcLinks' | 'listSamlLinks'> =>
    async ({ path }) =>
      reply({
        kind: 'json',
        status: 200,
        body: await deps.linkAdmin.list(protocol, userIdOf(path)),
      });
  return {
    listLinkDetails: async ({ path }) => {
      const details = await deps.linkAdmin.details(userIdOf(path));
      const body = details.map((d) => ({ ...d, created: d.created.toISOString() }));
      return reply({ kind: 'json', status: 200, body });
    },
    searchUsers: searchUsersHandler(deps),
    listOidcLinks: list('oidc'),
    listSamlLinks: list('saml'),
    createLink: async ({ path, body: { data, ...device } }, state) => {
      const userId = userIdOf(path);
      const outcome = await deps.linkAdmin.link({
        protocol: protocolOf(path),
        providerName: path.provider,
        userId,
        token: data,
        device,
        cookies: state.cookies,
        request: { clientAddress: state.clientAddress, requestId: state.requestId },
      });
      state.log.info({ provider: path.provider, userId, outcome }, 'account link');
      return reply({ kind: 'empty', status: 204 });
    },
    deleteLink: async ({ path, query }, state) => {
      const userId = userIdOf(path);
      await deps.linkAdmin.unlink({
        protocol: protocolOf(path),
        providerName: path.provider,
        userId,
        subject: path.canonicalName,
        allowLastWayIn: lastWayInOverride(query?.allowLastWayIn, state),
      });
      state.log.info({ provider: path.provider, userId }, 'account unlinked');
      return reply({ kind: 'empty', status: 200 });
    },
  };
}
