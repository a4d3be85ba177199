// Handler of `GET /sso/Users` (tag `links`): finds users by part of their name for the administrator who
// looks for whose links to see or remove. Only elevated callers reach it (the spec's access rule).
import type { UserSearch } from '../../sso/user-search.js';
import { reply, type Handler } from '../handler.js';

export interface UserSearchHandlerDeps {
  userSearch: UserSearch;
}

/** The spec's default for `limit`. */
const DEFAULT_LIMIT = 20;

export function searchUsersHandler(deps: UserSearchHandlerDeps): Handler<'searchUsers'> {
  return async ({ query = {} }) => {
    const users = await deps.userSearch.search({
      search: query.search,
      limit: query.limit ?? DEFAULT_LIMIT,
    });
    return reply({ kind: 'json', status: 200, body: { users } });
  };
}
