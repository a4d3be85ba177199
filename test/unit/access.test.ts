// The role rules (docs/plugin-compatibility.md §7) and how their decision is written into a policy (§8.2):
// `evaluateAccess` and `applyDecision` of src/sso/access.ts, without I/O.

import { describe, expect, it } from 'vitest';

import { newUserPolicy } from '../../src/media-server/shared/jellyfin-shapes.js';
import { applyDecision, denialMessage, evaluateAccess } from '../../src/sso/access.js';
import {
  DEFAULT_AUTH_PROVIDER_ID,
  SSO_AUTH_PROVIDER_ID,
  type AccessDecision,
  type UserPolicy,
} from '../../src/sso/ports.js';
import type { SharedProviderSettings } from '../../src/sso/provider-settings.js';
import { oidcSettings } from '../oidc/fixtures.js';

const F1 = '11111111111111111111111111111111';
const F2 = '22222222222222222222222222222222';
const F3 = '33333333333333333333333333333333';
const F4 = '44444444444444444444444444444444';
const F9 = '99999999999999999999999999999999';

function settings(overrides: Partial<SharedProviderSettings> = {}): SharedProviderSettings {
  return oidcSettings(overrides);
}

function decision(overrides: Partial<AccessDecision> = {}): AccessDecision {
  return {
    allowed: true,
    isAdmin: false,
    folders: [],
    enableLiveTv: false,
    enableLiveTvManagement: false,
    ...overrides,
  };
}

/** A policy an admin has edited: fields the provider manages and fields it must leave alone. */
function editedPolicy(overrides: Partial<UserPolicy> = {}): UserPolicy {
  return {
    ...newUserPolicy(),
    AuthenticationProviderId: SSO_AUTH_PROVIDER_ID,
    EnableAllFolders: false,
    EnabledFolders: [F9],
    EnableContentDeletion: true,
    EnableContentDeletionFromFolders: [F9],
    BlockedTags: ['horror'],
    MaxParentalRating: 12,
    EnableRemoteAccess: false,
    RemoteClientBitrateLimit: 8_000_000,
    SomeFutureJellyfinField: { nested: [1, 2, 3] },
    ...overrides,
  };
}

describe('evaluateAccess: the login gate (roles)', () => {
  it('when the roles list is empty, then everyone is allowed, even without any role', () => {
    expect(evaluateAccess([], settings()).allowed).toBe(true);
    expect(evaluateAccess(['anything'], settings()).allowed).toBe(true);
  });

  it('when roles are required, then one exact match is enough', () => {
    const s = settings({ roles: ['jellyfin-users', 'jellyfin-admins'] });
    expect(evaluateAccess(['strangers', 'jellyfin-admins'], s).allowed).toBe(true);
    expect(evaluateAccess(['jellyfin-users'], s).allowed).toBe(true);
  });

  it('when roles are required, then no role at all is a denial', () => {
    expect(evaluateAccess([], settings({ roles: ['jellyfin-users'] })).allowed).toBe(false);
  });

  it('when a role differs by case, white space, prefix or substring, then it does not match', () => {
    const s = settings({ roles: ['jellyfin-users'] });
    for (const near of [
      'Jellyfin-Users',
      'JELLYFIN-USERS',
      ' jellyfin-users',
      'jellyfin-users ',
      'jellyfin',
      'jellyfin-users-x',
      '/jellyfin-users',
    ]) {
      expect(evaluateAccess([near], s).allowed, near).toBe(false);
    }
  });

  it('when the user has only an admin role that is not an allowed role, then admin does not open the gate', () => {
    const result = evaluateAccess(
      ['jellyfin-admins'],
      settings({ roles: ['jellyfin-users'], adminRoles: ['jellyfin-admins'] }),
    );
    expect(result.allowed).toBe(false);
    expect(result.isAdmin).toBe(true);
  });

  it('when access is denied, then the message names the roles the server requires', () => {
    expect(denialMessage(settings({ roles: ['jellyfin-users', 'family'] }))).toContain(
      '(jellyfin-users, family)',
    );
  });
});

describe('evaluateAccess: adminRoles', () => {
  it('when a role is an admin role, then the decision is admin', () => {
    expect(
      evaluateAccess(['x', 'jellyfin-admins'], settings({ adminRoles: ['jellyfin-admins'] })).isAdmin,
    ).toBe(true);
  });

  it('when admin roles differ only by case, then the decision is not admin', () => {
    expect(evaluateAccess(['Jellyfin-Admins'], settings({ adminRoles: ['jellyfin-admins'] })).isAdmin).toBe(
      false,
    );
  });

  it('when no admin roles are configured, then nobody is admin', () => {
    expect(evaluateAccess(['jellyfin-admins', 'admin'], settings()).isAdmin).toBe(false);
  });

  it('when the user is admin, then admin implies no folders and no Live TV unless configured', () => {
    const result = evaluateAccess(
      ['jellyfin-admins'],
      settings({ adminRoles: ['jellyfin-admins'], enableFolderRoles: true, enableLiveTvRoles: true }),
    );
    expect(result).toEqual({
      allowed: true,
      isAdmin: true,
      folders: [],
      enableLiveTv: false,
      enableLiveTvManagement: false,
    });
  });
});

describe('evaluateAccess: folders', () => {
  const mapping = [
    { role: 'movies', folders: [F1, F2] },
    { role: 'series', folders: [F2, F3] },
    { role: 'kids', folders: [F4] },
  ];

  it('when folder roles are off, then the folders are enabledFolders whatever the roles', () => {
    const result = evaluateAccess(
      ['movies'],
      settings({ enabledFolders: [F9, F1], folderRoleMapping: mapping }),
    );
    expect(result.folders).toEqual([F9, F1]);
  });

  it('when folder roles are on, then the folders are the union of the matching mappings without duplicates', () => {
    const result = evaluateAccess(
      ['series', 'movies', 'unmapped'],
      settings({ enableFolderRoles: true, folderRoleMapping: mapping, enabledFolders: [F9] }),
    );
    expect([...result.folders].sort()).toEqual([F1, F2, F3]);
    expect(new Set(result.folders).size).toBe(result.folders.length);
  });

  it('when folder roles are on and no mapping matches, then there are no folders and enabledFolders is ignored', () => {
    const result = evaluateAccess(
      ['unmapped'],
      settings({ enableFolderRoles: true, folderRoleMapping: mapping, enabledFolders: [F9] }),
    );
    expect(result.folders).toEqual([]);
  });

  it('when two mappings name the same role, then both grant their folders', () => {
    const result = evaluateAccess(
      ['kids'],
      settings({
        enableFolderRoles: true,
        folderRoleMapping: [...mapping, { role: 'kids', folders: [F1, F4] }],
      }),
    );
    expect([...result.folders].sort()).toEqual([F1, F4]);
  });

  it('when a folder role differs by case, then it grants nothing', () => {
    const result = evaluateAccess(
      ['Movies'],
      settings({ enableFolderRoles: true, folderRoleMapping: mapping }),
    );
    expect(result.folders).toEqual([]);
  });

  it('when matching folder roles meet a login gate they do not pass, then the user is still denied', () => {
    const result = evaluateAccess(
      ['movies'],
      settings({ roles: ['members'], enableFolderRoles: true, folderRoleMapping: mapping }),
    );
    expect(result.allowed).toBe(false);
  });

  it('when the decision is built, then it does not share the settings arrays', () => {
    const s = settings({ enabledFolders: [F1] });
    const result = evaluateAccess([], s);
    result.folders.push(F2);
    expect(s.enabledFolders).toEqual([F1]);
  });
});

describe('evaluateAccess: Live TV roles only grant', () => {
  const tv = { liveTvRoles: ['tv'], liveTvManagementRoles: ['tv-admin'] };

  it('when Live TV roles are off, then the defaults apply whatever the roles', () => {
    const off = evaluateAccess(['tv', 'tv-admin'], settings({ ...tv }));
    expect([off.enableLiveTv, off.enableLiveTvManagement]).toEqual([false, false]);
    const on = evaluateAccess([], settings({ ...tv, enableLiveTv: true, enableLiveTvManagement: true }));
    expect([on.enableLiveTv, on.enableLiveTvManagement]).toEqual([true, true]);
  });

  it('when Live TV roles are on, then a matching role grants access and management separately', () => {
    const s = settings({ ...tv, enableLiveTvRoles: true });
    const viewer = evaluateAccess(['tv'], s);
    expect([viewer.enableLiveTv, viewer.enableLiveTvManagement]).toEqual([true, false]);
    const manager = evaluateAccess(['tv-admin'], s);
    expect([manager.enableLiveTv, manager.enableLiveTvManagement]).toEqual([false, true]);
    const nobody = evaluateAccess(['TV'], s);
    expect([nobody.enableLiveTv, nobody.enableLiveTvManagement]).toEqual([false, false]);
  });

  it('when Live TV is on by default, then no role (or lack of one) can take it away', () => {
    const s = settings({ ...tv, enableLiveTvRoles: true, enableLiveTv: true, enableLiveTvManagement: true });
    const result = evaluateAccess(['unrelated'], s);
    expect([result.enableLiveTv, result.enableLiveTvManagement]).toEqual([true, true]);
  });
});

describe('applyDecision with enableAuthorization', () => {
  const managed = (overrides: Partial<SharedProviderSettings> = {}) =>
    settings({ enableAuthorization: true, ...overrides });

  it('when the decision is admin, then the user becomes administrator', () => {
    const next = applyDecision(editedPolicy(), managed(), decision({ isAdmin: true }), false);
    expect(next.IsAdministrator).toBe(true);
  });

  it('when an administrator signs in without an admin role, then they are demoted', () => {
    const next = applyDecision(editedPolicy({ IsAdministrator: true }), managed(), decision(), false);
    expect(next.IsAdministrator).toBe(false);
  });

  it('when preserveAdminPermissions is on, then an administrator without an admin role stays administrator', () => {
    const s = managed({ preserveAdminPermissions: true });
    expect(applyDecision(editedPolicy({ IsAdministrator: true }), s, decision(), false).IsAdministrator).toBe(
      true,
    );
  });

  it('when preserveAdminPermissions is on, then it never promotes someone who was not administrator', () => {
    const s = managed({ preserveAdminPermissions: true });
    expect(
      applyDecision(editedPolicy({ IsAdministrator: false }), s, decision(), false).IsAdministrator,
    ).toBe(false);
  });

  it('when enableAllFolders is on, then every folder is enabled and EnabledFolders is left as it was', () => {
    const next = applyDecision(
      editedPolicy(),
      managed({ enableAllFolders: true }),
      decision({ folders: [F1] }),
      false,
    );
    expect(next.EnableAllFolders).toBe(true);
    expect(next.EnabledFolders).toEqual([F9]);
  });

  it('when enableAllFolders is off, then EnabledFolders is exactly the decided folders', () => {
    const before = editedPolicy({ EnableAllFolders: true });
    const next = applyDecision(before, managed(), decision({ folders: [F1, F2] }), false);
    expect(next.EnableAllFolders).toBe(false);
    expect(next.EnabledFolders).toEqual([F1, F2]);
  });

  it('when no folder is decided, then an existing user loses the folders an admin gave them', () => {
    const next = applyDecision(editedPolicy(), managed(), decision({ folders: [] }), false);
    expect(next.EnabledFolders).toEqual([]);
  });

  it('when enableContentDownloading is null, then downloading is left unchanged for new and existing users', () => {
    for (const isNewUser of [true, false]) {
      for (const value of [true, false]) {
        const next = applyDecision(
          editedPolicy({ EnableContentDownloading: value }),
          managed({ applyContentDownloadPermissionOnEveryLogin: true }),
          decision(),
          isNewUser,
        );
        expect(next.EnableContentDownloading).toBe(value);
      }
    }
  });

  it('when enableContentDownloading is set, then it applies to new users only', () => {
    const s = managed({ enableContentDownloading: false });
    expect(
      applyDecision(editedPolicy({ EnableContentDownloading: true }), s, decision(), true)
        .EnableContentDownloading,
    ).toBe(false);
    expect(
      applyDecision(editedPolicy({ EnableContentDownloading: true }), s, decision(), false)
        .EnableContentDownloading,
    ).toBe(true);
  });

  it('when applyContentDownloadPermissionOnEveryLogin is on, then it applies to existing users too', () => {
    const s = managed({ enableContentDownloading: false, applyContentDownloadPermissionOnEveryLogin: true });
    expect(
      applyDecision(editedPolicy({ EnableContentDownloading: true }), s, decision(), false)
        .EnableContentDownloading,
    ).toBe(false);
    const grant = managed({
      enableContentDownloading: true,
      applyContentDownloadPermissionOnEveryLogin: true,
    });
    expect(
      applyDecision(editedPolicy({ EnableContentDownloading: false }), grant, decision(), false)
        .EnableContentDownloading,
    ).toBe(true);
  });

  it('when Live TV is decided, then both Live TV flags are written as decided', () => {
    const before = editedPolicy({ EnableLiveTvAccess: true, EnableLiveTvManagement: true });
    const next = applyDecision(
      before,
      managed(),
      decision({ enableLiveTv: false, enableLiveTvManagement: false }),
      false,
    );
    expect([next.EnableLiveTvAccess, next.EnableLiveTvManagement]).toEqual([false, false]);
    const granted = applyDecision(
      editedPolicy(),
      managed(),
      decision({ enableLiveTv: true, enableLiveTvManagement: true }),
      false,
    );
    expect([granted.EnableLiveTvAccess, granted.EnableLiveTvManagement]).toEqual([true, true]);
  });

  it('when the policy is written, then fields the provider does not manage survive unchanged', () => {
    const before = editedPolicy({ IsAdministrator: true, IsHidden: false });
    const next = applyDecision(
      before,
      managed({ enableContentDownloading: true, applyContentDownloadPermissionOnEveryLogin: true }),
      decision({ isAdmin: true, folders: [F1], enableLiveTv: true }),
      false,
    );
    const managedFields = [
      'IsAdministrator',
      'EnableAllFolders',
      'EnabledFolders',
      'EnableContentDownloading',
      'EnableLiveTvAccess',
      'EnableLiveTvManagement',
    ];
    const untouched = (policy: UserPolicy) =>
      Object.fromEntries(Object.entries(policy).filter(([key]) => !managedFields.includes(key)));
    expect(untouched(next)).toEqual(untouched(before));
    expect(next.SomeFutureJellyfinField).toEqual({ nested: [1, 2, 3] });
    expect(next.AuthenticationProviderId).toBe(SSO_AUTH_PROVIDER_ID);
  });

  it('when the policy is written, then the input policy object is not modified', () => {
    const before = editedPolicy();
    const copy = structuredClone(before);
    applyDecision(before, managed(), decision({ isAdmin: true, folders: [F1] }), true);
    expect(before).toEqual(copy);
  });
});

describe('applyDecision without enableAuthorization', () => {
  const unmanaged = (overrides: Partial<SharedProviderSettings> = {}) =>
    settings({
      enableAuthorization: false,
      enableAllFolders: true,
      enableContentDownloading: false,
      applyContentDownloadPermissionOnEveryLogin: true,
      preserveAdminPermissions: false,
      ...overrides,
    });
  const granting = decision({
    isAdmin: true,
    folders: [F1],
    enableLiveTv: true,
    enableLiveTvManagement: true,
  });

  it('when an existing user signs in, then the policy is left exactly as it was', () => {
    for (const isAdmin of [true, false]) {
      const before = editedPolicy({ IsAdministrator: isAdmin, EnableLiveTvAccess: false });
      expect(applyDecision(before, unmanaged(), granting, false)).toEqual(before);
      expect(applyDecision(before, unmanaged(), decision(), false)).toEqual(before);
    }
  });

  it('when a new user signs in, then they get no folders and nothing else changes', () => {
    const before = newUserPolicy();
    const next = applyDecision(before, unmanaged(), granting, true);
    expect(next.EnableAllFolders).toBe(false);
    expect(next.EnabledFolders).toEqual([]);
    expect({
      ...next,
      EnableAllFolders: before.EnableAllFolders,
      EnabledFolders: before.EnabledFolders,
    }).toEqual(before);
    expect(next.IsAdministrator).toBe(false);
    expect(next.EnableContentDownloading).toBe(before.EnableContentDownloading);
    expect(next.EnableLiveTvAccess).toBe(before.EnableLiveTvAccess);
  });
});

describe('applyDecision: defaultProvider', () => {
  for (const enableAuthorization of [true, false]) {
    for (const isNewUser of [true, false]) {
      it(`when defaultProvider is set (enableAuthorization ${enableAuthorization}, ${isNewUser ? 'new' : 'existing'} user), then it becomes the AuthenticationProviderId`, () => {
        const next = applyDecision(
          editedPolicy(),
          settings({ enableAuthorization, defaultProvider: DEFAULT_AUTH_PROVIDER_ID }),
          decision(),
          isNewUser,
        );
        expect(next.AuthenticationProviderId).toBe(DEFAULT_AUTH_PROVIDER_ID);
      });
    }
  }

  it('when defaultProvider is null, then the AuthenticationProviderId is kept', () => {
    const next = applyDecision(editedPolicy(), settings({ enableAuthorization: true }), decision(), true);
    expect(next.AuthenticationProviderId).toBe(SSO_AUTH_PROVIDER_ID);
  });
});

describe('evaluateAccess and applyDecision together', () => {
  it('when a folder-role member signs in for the first time, then the policy carries the mapped folders and Live TV', () => {
    const s = settings({
      enableAuthorization: true,
      roles: ['members'],
      adminRoles: ['admins'],
      enableFolderRoles: true,
      folderRoleMapping: [
        { role: 'members', folders: [F1] },
        { role: 'kids', folders: [F1, F4] },
      ],
      enabledFolders: [F9],
      enableLiveTvRoles: true,
      liveTvRoles: ['kids'],
      enableContentDownloading: false,
    });
    const result = evaluateAccess(['members', 'kids'], s);
    const next = applyDecision(newUserPolicy(), s, result, true);
    expect(next).toMatchObject({
      IsAdministrator: false,
      EnableAllFolders: false,
      EnableContentDownloading: false,
      EnableLiveTvAccess: true,
      EnableLiveTvManagement: false,
    });
    expect([...next.EnabledFolders].sort()).toEqual([F1, F4]);
  });
});
