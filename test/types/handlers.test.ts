// Type-level tests: the handlers' signatures are those of the contract. They run under `npm run typecheck`
// (tsc covers test/); vitest runs the file too, where expectTypeOf is a no-op. A handler whose input or
// reply drifts from openapi.yaml (through the generated types) fails to compile here or at its definition.
import { describe, expectTypeOf, it } from 'vitest';
import type * as Sdk from '../../clients/typescript/src/sdk.gen.js';
import type {
  ActivityEntry as ActivityEntryView,
  AddOidcProviderData,
  AuthenticateOidcResponses,
  CreateLinkData,
  GetOidcStatesResponses,
  GetSamlMetadataResponses,
  SamlMetadataImport,
  Problem,
  ProviderTestReport,
  ReceiveSamlResponseData,
  StartOidcLoginData,
  UserSearchResult,
} from '../../generated/index.js';
import { reply, type Handler, type Handlers, type HandlersOfTag } from '../../src/http/handler.js';
import type { HandlerInput, OperationId, ReplyOf } from '../../src/http/operations.js';
import type { SsoStep } from '../../src/sso/errors.js';
import type { ActivityOutcome } from '../../src/sso/ports.js';

/** The path, query and body of a request type, each read as a handler or the client reads it. */
type Parts<T> = { [P in 'path' | 'query' | 'body']: P extends keyof T ? T[P] : undefined };

/** What the published client sends for operation K: its generated `…Data` (optional when nothing is required). */
type ClientInput<K extends OperationId> = Parts<NonNullable<Parameters<(typeof Sdk)[K]>[0]>>;

type Json<K extends OperationId, S extends number> = Extract<ReplyOf<K>, { kind: 'json'; status: S }>;

describe('handlers typed by the contract', () => {
  it('the operations are exactly those of the generated client', () => {
    expectTypeOf<OperationId>().toEqualTypeOf<keyof typeof Sdk>();
  });

  it("every handler's input is the generated request of its operation", () => {
    expectTypeOf<{ [K in OperationId]: Parts<HandlerInput<K>> }>().toEqualTypeOf<{
      [K in OperationId]: ClientInput<K>;
    }>();
    expectTypeOf<Parameters<Handlers['addOidcProvider']>[0]['body']>().toEqualTypeOf<
      AddOidcProviderData['body']
    >();
    expectTypeOf<Parameters<Handlers['createLink']>[0]['body']>().toEqualTypeOf<CreateLinkData['body']>();
    expectTypeOf<Parameters<Handlers['receiveSamlResponse']>[0]['body']>().toEqualTypeOf<
      ReceiveSamlResponseData['body']
    >();
  });

  it("the activity log's step and outcome are the domain's, value for value", () => {
    expectTypeOf<ActivityEntryView['step']>().toEqualTypeOf<SsoStep>();
    expectTypeOf<ActivityEntryView['outcome']>().toEqualTypeOf<ActivityOutcome>();
  });

  it('isLinking reaches the start handlers as the boolean the spec declares', () => {
    expectTypeOf<Parameters<Handlers['startOidcLogin']>[0]['query']>().toEqualTypeOf<
      StartOidcLoginData['query']
    >();
    expectTypeOf<
      NonNullable<Parameters<Handlers['startSamlLogin']>[0]['query']>['isLinking']
    >().toEqualTypeOf<boolean | undefined>();
  });

  it('every reply is a status of the spec with its body', () => {
    expectTypeOf<Json<'getOidcStates', 200>['body']>().toEqualTypeOf<GetOidcStatesResponses[200]>();
    expectTypeOf<Json<'authenticateOidc', 200>['body']>().toEqualTypeOf<AuthenticateOidcResponses[200]>();
    expectTypeOf<Json<'authenticateOidc', 409>['body']>().toEqualTypeOf<Problem>();
    expectTypeOf<Json<'testSamlProvider', 200>['body']>().toEqualTypeOf<ProviderTestReport>();
    expectTypeOf<Json<'testOidcProvider', 404>['body']>().toEqualTypeOf<Problem>();
    expectTypeOf<Json<'importSamlMetadata', 200>['body']>().toEqualTypeOf<SamlMetadataImport>();
    expectTypeOf<Json<'importSamlMetadata', 502>['body']>().toEqualTypeOf<Problem>();
    expectTypeOf<Json<'searchUsers', 200>['body']>().toEqualTypeOf<UserSearchResult>();
    expectTypeOf<Extract<ReplyOf<'getSamlMetadata'>, { kind: 'text' }>['text']>().toEqualTypeOf<
      GetSamlMetadataResponses[200]
    >();
    expectTypeOf<Extract<ReplyOf<'startOidcLogin'>, { kind: 'redirect' }>['status']>().toEqualTypeOf<302>();
    expectTypeOf<Extract<ReplyOf<'createLink'>, { kind: 'empty' }>['status']>().toEqualTypeOf<204>();
    // A status the spec does not declare for the operation is no reply of it.
    expectTypeOf<Json<'authenticateOidc', 201>>().toEqualTypeOf<never>();
    expectTypeOf<Extract<ReplyOf<'getOidcProviders'>, { kind: 'html' }>>().toEqualTypeOf<never>();
  });

  it('a handler that returns a field the spec does not have, or reads one, does not compile', () => {
    const saved = { version: '1', warnings: [] };
    const rightReply: Handler<'addOidcProvider'> = async ({ path: { provider } }) =>
      reply({ kind: 'json', status: 200, body: { provider, ...saved } });
    const wrongReplyField: Handler<'addOidcProvider'> = async ({ path: { provider } }) =>
      // @ts-expect-error ProviderSaved has no `secret`: the spec does not allow it in the reply.
      reply({ kind: 'json', status: 200, body: { provider, ...saved, secret: 'leaked' } });
    const wrongStatus: Handler<'addOidcProvider'> = async ({ path: { provider } }) =>
      // @ts-expect-error 201 is not a status of addOidcProvider in the spec.
      reply({ kind: 'json', status: 201, body: { provider, ...saved } });
    const wrongKind: Handler<'getOidcProviders'> = async () =>
      // @ts-expect-error getOidcProviders answers JSON, never a page.
      reply({ kind: 'html', status: 200, html: '<p>', csp: "default-src 'none'" });
    const wrongInputField: Handler<'authenticateOidc'> = async ({ body }) => {
      // @ts-expect-error AuthRequest has no `password`: the spec does not declare it.
      const password: unknown = body.password;
      throw new Error(String(password));
    };
    for (const handler of [rightReply, wrongReplyField, wrongStatus, wrongKind, wrongInputField]) {
      expectTypeOf(handler).toBeFunction();
    }
  });

  it('a missing or an extra handler does not compile', () => {
    const admin = {} as HandlersOfTag<'admin'>;
    const login = {} as HandlersOfTag<'oidc' | 'saml'>;
    const links = {} as HandlersOfTag<'links'>;
    // @ts-expect-error the links handlers are missing.
    const missing: Handlers = { ...admin, ...login };
    const extra: HandlersOfTag<'links'> = {
      ...links,
      // @ts-expect-error no operation of the spec is called `listEverything`.
      listEverything: links.listOidcLinks,
    };
    expectTypeOf(missing).toBeObject();
    expectTypeOf(extra).toBeObject();
  });
});
