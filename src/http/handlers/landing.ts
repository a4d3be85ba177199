// Handlers of the `landing` tag: the sign-in landing page at /sso/ and /sso/login. The decision is the
// domain's (sso/landing.ts); here the start URLs, the page or the redirect to a provider's start.
import type { Landing } from '../../sso/landing.js';
import type { MediaServer } from '../../sso/ports.js';
import { startUrl } from '../browser-steps.js';
import { reply, type Handler, type HandlersOfTag } from '../handler.js';
import { LANDING_PAGE_CSP, landingPage } from '../landing-page.js';
import { basePathOf } from '../pages.js';

export interface LandingHandlerDeps {
  landing: Landing;
  mediaServer: MediaServer;
  publicUrl: string;
}

/** `?local=1` (any value but `0` or `false`, as a link or a bookmark may spell it). */
function isLocal(value: string | undefined): boolean {
  return value !== undefined && !['0', 'false'].includes(value.trim().toLowerCase());
}

function landingHandler(deps: LandingHandlerDeps): Handler<'getLandingPage' | 'getLandingPageAlias'> {
  const passwordUrl =
    deps.mediaServer.kind === 'jellyfin' ? `${basePathOf(deps.publicUrl)}/web/index.html` : null;
  return async ({ query }, state) => {
    const outcome = await deps.landing.visit({ provider: query?.provider, local: isLocal(query?.local) });
    if (outcome.kind === 'start') {
      const { protocol, name } = outcome.choice;
      state.log.debug({ protocol, provider: name }, 'landing page: straight to the provider');
      return reply({ kind: 'redirect', status: 302, location: startUrl(deps.publicUrl, protocol, name) });
    }
    const html = landingPage({
      choices: outcome.choices.map((choice) => ({
        ...choice,
        startUrl: startUrl(deps.publicUrl, choice.protocol, choice.name),
      })),
      unknownProvider: outcome.unknownProvider,
      passwordUrl,
    });
    return reply({ kind: 'html', status: 200, html, csp: LANDING_PAGE_CSP });
  };
}

export function createLandingHandlers(deps: LandingHandlerDeps): HandlersOfTag<'landing'> {
  return { getLandingPage: landingHandler(deps), getLandingPageAlias: landingHandler(deps) };
}
