// GetNames is served from memory for a moment (NAMES_CACHE_MS): a change through the same instance shows at
// once, a change through another instance sharing the database within that time. Two admin instances over
// one real database stand for two service instances.
import { describe, expect, it } from 'vitest';
import { createOidcConnector } from '../../src/protocols/oidc-connector.js';
import { createOidcProtocol } from '../../src/protocols/oidc.js';
import { createSamlConnector } from '../../src/protocols/saml-connector.js';
import { createSamlProtocol } from '../../src/protocols/saml.js';
import type { Connectors } from '../../src/sso/ports.js';
import { createProviderAdmin, NAMES_CACHE_MS } from '../../src/sso/provider-admin.js';
import { createProviderStore } from '../../src/storage/provider-store.js';
import { createReplayCache } from '../../src/storage/replay-cache.js';
import { describeEachDatabase } from '../support/db.js';
import { TestClock } from '../support/app.js';

const OIDC = { oidEndpoint: 'https://idp.example.com', oidClientId: 'jellyfin' };

describeEachDatabase('the provider-name cache', (ctx) => {
  describe('two instances over one database', () => {
    it('when names change, then this instance sees it at once and the other within the cache time', async () => {
      const clock = new TestClock();
      const { orm, box } = ctx().db;
      const publicUrl = 'http://localhost:8097';
      const connectors: Connectors = {
        oidc: createOidcConnector({ engine: createOidcProtocol(), publicUrl }),
        saml: createSamlConnector({
          engine: createSamlProtocol(),
          replay: createReplayCache({ orm }),
          clock,
          publicUrl,
        }),
      };
      const here = createProviderAdmin({
        providers: createProviderStore({ orm, box, clock }),
        connectors,
        clock,
      });
      const there = createProviderAdmin({
        providers: createProviderStore({ orm, box, clock }),
        connectors,
        clock,
      });

      expect(await there.names('oidc')).toEqual([]);
      await here.save('oidc', 'alpha', OIDC, clock.now());
      expect(await here.names('oidc')).toEqual(['alpha']);
      // The other instance answers from its memory until the cache time has passed…
      expect(await there.names('oidc')).toEqual([]);
      clock.advance(NAMES_CACHE_MS + 1);
      expect(await there.names('oidc')).toEqual(['alpha']);

      // …and a change through itself shows at once.
      await there.remove('oidc', 'alpha');
      expect(await there.names('oidc')).toEqual([]);
    });
  });
});
