// The storage guard (src/storage/query-guard.ts): whatever reaches a query, a NUL character or a lone
// surrogate — raw in a text value, or as the JSON escape of a jsonb value — is refused as invalid_request
// on SQLite and PostgreSQL alike, before the statement runs, and nothing is written. Paired surrogates
// (emoji) and the text "\u0000" written with an escaped backslash are ordinary data and pass.
import { expect, it } from 'vitest';
import { SsoError } from '../../src/sso/errors.js';
import { createFlowStore } from '../../src/storage/flow-store.js';
import { createLinkStore } from '../../src/storage/link-store.js';
import { createProviderStore } from '../../src/storage/provider-store.js';
import { isStorableParameter } from '../../src/storage/query-guard.js';
import { describeEachDatabase, rawRows } from '../support/db.js';
import { oidcSettings, uniqueName } from './fixtures.js';

const UNSTORABLE = ['a\u0000b', '\u0000', 'x\ud800', '\udfffy', '\udc00\ud800'];

async function expectRefused(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SsoError);
  expect((error as SsoError).code).toBe('invalid_request');
}

it('when a parameter is plain text, an emoji, or JSON with an escaped backslash before "u0000", then it is storable', () => {
  for (const value of ['alice', '💥 👩‍👩‍👧', '{"a":"\\\\u0000"}', '\\u0000', 'a\\ud800', 42, null, true]) {
    expect(isStorableParameter(value), String(value)).toBe(true);
  }
});

it('when a parameter holds a NUL or a lone surrogate, raw or escaped in JSON text, then it is not storable', () => {
  for (const value of [...UNSTORABLE, '{"a":"\\u0000"}', '["\\ud800"]', '{"a":"\\\\\\uDFFF"}']) {
    expect(isStorableParameter(value), JSON.stringify(value)).toBe(false);
  }
});

describeEachDatabase('storage guard', (ctx) => {
  it('when a provider is looked up, saved or deleted by an unstorable name, then invalid_request and nothing is written', async () => {
    const providers = createProviderStore(ctx().db);
    for (const name of UNSTORABLE) {
      await expectRefused(providers.get('oidc', name));
      await expectRefused(providers.save('oidc', name, { settings: oidcSettings(), secrets: {} }));
      await expectRefused(providers.delete('oidc', name));
    }
    const rows = await rawRows(ctx().db, 'select name from sso_provider');
    expect(rows.map((row) => row['name'])).toEqual([]);
  });

  it('when provider settings hold an unstorable string (jsonb), then invalid_request and the stored settings are unchanged', async () => {
    const providers = createProviderStore(ctx().db);
    const name = uniqueName('guard');
    const saved = await providers.save('oidc', name, { settings: oidcSettings(), secrets: {} });
    for (const bad of UNSTORABLE) {
      await expectRefused(
        providers.save('oidc', name, { settings: oidcSettings({ oidClientId: bad }), secrets: {} }),
      );
      await expectRefused(
        providers.save('oidc', name, { settings: oidcSettings({ roles: ['ok', bad] }), secrets: {} }),
      );
    }
    expect(await providers.get('oidc', name)).toEqual(saved);
  });

  it('when a setting holds text that only looks like an escape, or an emoji, then it is stored as sent', async () => {
    const providers = createProviderStore(ctx().db);
    const name = uniqueName('guard-ok');
    const settings = oidcSettings({
      oidClientId: '\\u0000 \\ud800',
      oidAuthorizationParameters: '{"x":"\\u0000"}',
      roles: ['💥'],
    });
    await providers.save('oidc', name, { settings, secrets: {} });
    expect((await providers.get('oidc', name))?.settings).toEqual(settings);
  });

  it('when a link or a flow is looked up by an unstorable subject or id, then invalid_request', async () => {
    const provider = await createProviderStore(ctx().db).save('oidc', uniqueName('guard-link'), {
      settings: oidcSettings(),
      secrets: {},
    });
    const links = createLinkStore(ctx().db);
    const flows = createFlowStore(ctx().db);
    for (const bad of UNSTORABLE) {
      await expectRefused(links.find(provider.id, bad));
      await expectRefused(
        links.create({ providerId: provider.id, subject: bad, userId: 'u'.repeat(32), label: null }),
      );
      await expectRefused(flows.findByStateHash(bad));
    }
    expect(await rawRows(ctx().db, 'select id from sso_account_link')).toEqual([]);
  });
});
