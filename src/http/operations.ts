// Every operation of openapi.yaml by operationId, typed from the generated contract (generated/): what its
// handler receives (path, query, body of hey-api's `…Data`) and every reply it may give (status → body of
// `…Responses` and `…Errors`, plus the redirects, pages and texts the spec declares without a JSON body).
import type * as Api from '../../generated/index.js';

/** A cookie the reply sets (the flow's browser binding). */
export interface SetCookie {
  name: string;
  value: string;
  maxAgeSeconds: number;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'lax' | 'strict' | 'none';
}

/** What any reply may add on top of its status and body. */
export interface ReplyExtras {
  headers?: Record<string, string>;
  cookies?: SetCookie[];
}

type Status<R> = Extract<keyof R, number>;

/**
 * A JSON body serialised once for many replies (replies.ts `prepareJson`), with its strong validator
 * (RFC 9110 §8.8.3): the edge sends the bytes as they are and answers 304 to a matching If-None-Match.
 */
export interface PreparedJson {
  bytes: Buffer;
  etag: string;
}

/** One JSON reply per status the spec declares, with that status's body. */
export type JsonReply<R> = {
  [S in Status<R>]: ReplyExtras & { kind: 'json'; status: S; body: R[S]; prepared?: PreparedJson };
}[Status<R>];

/** A status the spec declares without a body. */
export type EmptyReply<R> = ReplyExtras & { kind: 'empty'; status: Status<R> };

/** An HTML page (`text/html`), under its own Content-Security-Policy. */
export type HtmlReply<R> = {
  [S in Status<R>]: ReplyExtras & { kind: 'html'; status: S; html: R[S]; csp: string };
}[Status<R>];

/** A text document of another media type (the SAML metadata XML). */
export type TextReply<R> = {
  [S in Status<R>]: ReplyExtras & { kind: 'text'; status: S; contentType: string; text: R[S] };
}[Status<R>];

/** The 302 of a browser step: the spec declares a Location header and no body. */
export type RedirectReply = ReplyExtras & { kind: 'redirect'; status: 302; location: string };

/** The spec's tags; each names the handler module that serves its operations. */
export type Tag =
  | 'oidc'
  | 'saml'
  | 'links'
  | 'admin'
  | 'console'
  | 'device'
  | 'quickconnect'
  | 'health'
  | 'account'
  | 'landing'
  | 'logout';

/** An operation: its tag (which handler module serves it), its request and its replies. */
interface Operation<T extends Tag, Data, Replies, Errors> {
  tag: T;
  data: Data;
  reply: Replies | JsonReply<Errors>;
}

export interface Operations {
  startOidcLogin: Operation<'oidc', Api.StartOidcLoginData, RedirectReply, Api.StartOidcLoginErrors>;
  startOidcLoginAlias: Operation<
    'oidc',
    Api.StartOidcLoginAliasData,
    RedirectReply,
    Api.StartOidcLoginAliasErrors
  >;
  completeOidcLogin: Operation<
    'oidc',
    Api.CompleteOidcLoginData,
    HtmlReply<Api.CompleteOidcLoginResponses>,
    Api.CompleteOidcLoginErrors
  >;
  completeOidcLoginAlias: Operation<
    'oidc',
    Api.CompleteOidcLoginAliasData,
    HtmlReply<Api.CompleteOidcLoginAliasResponses>,
    Api.CompleteOidcLoginAliasErrors
  >;
  authenticateOidc: Operation<
    'oidc',
    Api.AuthenticateOidcData,
    JsonReply<Api.AuthenticateOidcResponses>,
    Api.AuthenticateOidcErrors
  >;
  startSamlLogin: Operation<'saml', Api.StartSamlLoginData, RedirectReply, Api.StartSamlLoginErrors>;
  startSamlLoginAlias: Operation<
    'saml',
    Api.StartSamlLoginAliasData,
    RedirectReply,
    Api.StartSamlLoginAliasErrors
  >;
  receiveSamlResponse: Operation<
    'saml',
    Api.ReceiveSamlResponseData,
    HtmlReply<Api.ReceiveSamlResponseResponses>,
    Api.ReceiveSamlResponseErrors
  >;
  receiveSamlResponseAlias: Operation<
    'saml',
    Api.ReceiveSamlResponseAliasData,
    HtmlReply<Api.ReceiveSamlResponseAliasResponses>,
    Api.ReceiveSamlResponseAliasErrors
  >;
  authenticateSaml: Operation<
    'saml',
    Api.AuthenticateSamlData,
    JsonReply<Api.AuthenticateSamlResponses>,
    Api.AuthenticateSamlErrors
  >;
  receiveSamlLogout: Operation<'saml', Api.ReceiveSamlLogoutData, RedirectReply, Api.ReceiveSamlLogoutErrors>;
  getSamlMetadata: Operation<
    'saml',
    Api.GetSamlMetadataData,
    TextReply<Api.GetSamlMetadataResponses>,
    Api.GetSamlMetadataErrors
  >;
  addOidcProvider: Operation<
    'admin',
    Api.AddOidcProviderData,
    JsonReply<Api.AddOidcProviderResponses>,
    Api.AddOidcProviderErrors
  >;
  deleteOidcProvider: Operation<
    'admin',
    Api.DeleteOidcProviderData,
    EmptyReply<Api.DeleteOidcProviderResponses>,
    Api.DeleteOidcProviderErrors
  >;
  getOidcProviders: Operation<
    'admin',
    Api.GetOidcProvidersData,
    JsonReply<Api.GetOidcProvidersResponses>,
    Api.GetOidcProvidersErrors
  >;
  getOidcProviderNames: Operation<
    'admin',
    Api.GetOidcProviderNamesData,
    JsonReply<Api.GetOidcProviderNamesResponses>,
    Api.GetOidcProviderNamesErrors
  >;
  getOidcStates: Operation<
    'admin',
    Api.GetOidcStatesData,
    JsonReply<Api.GetOidcStatesResponses>,
    Api.GetOidcStatesErrors
  >;
  addSamlProvider: Operation<
    'admin',
    Api.AddSamlProviderData,
    JsonReply<Api.AddSamlProviderResponses>,
    Api.AddSamlProviderErrors
  >;
  deleteSamlProvider: Operation<
    'admin',
    Api.DeleteSamlProviderData,
    EmptyReply<Api.DeleteSamlProviderResponses>,
    Api.DeleteSamlProviderErrors
  >;
  getSamlProviders: Operation<
    'admin',
    Api.GetSamlProvidersData,
    JsonReply<Api.GetSamlProvidersResponses>,
    Api.GetSamlProvidersErrors
  >;
  getSamlProviderNames: Operation<
    'admin',
    Api.GetSamlProviderNamesData,
    JsonReply<Api.GetSamlProviderNamesResponses>,
    Api.GetSamlProviderNamesErrors
  >;
  testOidcProvider: Operation<
    'admin',
    Api.TestOidcProviderData,
    JsonReply<Api.TestOidcProviderResponses>,
    Api.TestOidcProviderErrors
  >;
  testSamlProvider: Operation<
    'admin',
    Api.TestSamlProviderData,
    JsonReply<Api.TestSamlProviderResponses>,
    Api.TestSamlProviderErrors
  >;
  previewOidcSignIn: Operation<
    'admin',
    Api.PreviewOidcSignInData,
    JsonReply<Api.PreviewOidcSignInResponses>,
    Api.PreviewOidcSignInErrors
  >;
  previewSamlSignIn: Operation<
    'admin',
    Api.PreviewSamlSignInData,
    JsonReply<Api.PreviewSamlSignInResponses>,
    Api.PreviewSamlSignInErrors
  >;
  importSamlMetadata: Operation<
    'admin',
    Api.ImportSamlMetadataData,
    JsonReply<Api.ImportSamlMetadataResponses>,
    Api.ImportSamlMetadataErrors
  >;
  unregisterUser: Operation<
    'admin',
    Api.UnregisterUserData,
    EmptyReply<Api.UnregisterUserResponses>,
    Api.UnregisterUserErrors
  >;
  listLibraries: Operation<
    'admin',
    Api.ListLibrariesData,
    JsonReply<Api.ListLibrariesResponses>,
    Api.ListLibrariesErrors
  >;
  listActivity: Operation<
    'admin',
    Api.ListActivityData,
    JsonReply<Api.ListActivityResponses>,
    Api.ListActivityErrors
  >;
  createLink: Operation<
    'links',
    Api.CreateLinkData,
    EmptyReply<Api.CreateLinkResponses>,
    Api.CreateLinkErrors
  >;
  deleteLink: Operation<
    'links',
    Api.DeleteLinkData,
    EmptyReply<Api.DeleteLinkResponses>,
    Api.DeleteLinkErrors
  >;
  listOidcLinks: Operation<
    'links',
    Api.ListOidcLinksData,
    JsonReply<Api.ListOidcLinksResponses>,
    Api.ListOidcLinksErrors
  >;
  listSamlLinks: Operation<
    'links',
    Api.ListSamlLinksData,
    JsonReply<Api.ListSamlLinksResponses>,
    Api.ListSamlLinksErrors
  >;
  listLinkDetails: Operation<
    'links',
    Api.ListLinkDetailsData,
    JsonReply<Api.ListLinkDetailsResponses>,
    Api.ListLinkDetailsErrors
  >;
  searchUsers: Operation<
    'links',
    Api.SearchUsersData,
    JsonReply<Api.SearchUsersResponses>,
    Api.SearchUsersErrors
  >;
  getAppPassword: Operation<
    'account',
    Api.GetAppPasswordData,
    JsonReply<Api.GetAppPasswordResponses>,
    Api.GetAppPasswordErrors
  >;
  createAppPassword: Operation<
    'account',
    Api.CreateAppPasswordData,
    JsonReply<Api.CreateAppPasswordResponses>,
    Api.CreateAppPasswordErrors
  >;
  revokeAppPassword: Operation<
    'account',
    Api.RevokeAppPasswordData,
    EmptyReply<Api.RevokeAppPasswordResponses>,
    Api.RevokeAppPasswordErrors
  >;
  listDevices: Operation<
    'account',
    Api.ListDevicesData,
    JsonReply<Api.ListDevicesResponses>,
    Api.ListDevicesErrors
  >;
  signOutDevice: Operation<
    'account',
    Api.SignOutDeviceData,
    EmptyReply<Api.SignOutDeviceResponses>,
    Api.SignOutDeviceErrors
  >;
  signOutOtherDevices: Operation<
    'account',
    Api.SignOutOtherDevicesData,
    JsonReply<Api.SignOutOtherDevicesResponses>,
    Api.SignOutOtherDevicesErrors
  >;
  authenticateByName: Operation<
    'account',
    Api.AuthenticateByNameData,
    JsonReply<Api.AuthenticateByNameResponses>,
    Api.AuthenticateByNameErrors
  >;
  getLandingPage: Operation<
    'landing',
    Api.GetLandingPageData,
    HtmlReply<Api.GetLandingPageResponses> | RedirectReply,
    Api.GetLandingPageErrors
  >;
  getLandingPageAlias: Operation<
    'landing',
    Api.GetLandingPageAliasData,
    HtmlReply<Api.GetLandingPageAliasResponses> | RedirectReply,
    Api.GetLandingPageAliasErrors
  >;
  getHome: Operation<'console', Api.GetHomeData, HtmlReply<Api.GetHomeResponses>, Api.GetHomeErrors>;
  getAdminConsole: Operation<
    'console',
    Api.GetAdminConsoleData,
    HtmlReply<Api.GetAdminConsoleResponses>,
    Api.GetAdminConsoleErrors
  >;
  getAccountPage: Operation<
    'console',
    Api.GetAccountPageData,
    HtmlReply<Api.GetAccountPageResponses>,
    Api.GetAccountPageErrors
  >;
  getAdminConsoleAsset: Operation<
    'console',
    Api.GetAdminConsoleAssetData,
    // The generator types text/javascript and text/css as Blob (what a client downloads); the server
    // sends the same bytes as text.
    TextReply<{ [S in keyof Api.GetAdminConsoleAssetResponses]: string }>,
    Api.GetAdminConsoleAssetErrors
  >;
  getDevicePage: Operation<
    'device',
    Api.GetDevicePageData,
    HtmlReply<Api.GetDevicePageResponses>,
    Api.GetDevicePageErrors
  >;
  startDeviceSignIn: Operation<
    'device',
    Api.StartDeviceSignInData,
    RedirectReply,
    Api.StartDeviceSignInErrors
  >;
  authorizeDevice: Operation<
    'device',
    Api.AuthorizeDeviceData,
    JsonReply<Api.AuthorizeDeviceResponses>,
    Api.AuthorizeDeviceErrors
  >;
  getQuickConnectEnabled: Operation<
    'quickconnect',
    Api.GetQuickConnectEnabledData,
    JsonReply<Api.GetQuickConnectEnabledResponses>,
    Api.GetQuickConnectEnabledErrors
  >;
  initiateQuickConnect: Operation<
    'quickconnect',
    Api.InitiateQuickConnectData,
    JsonReply<Api.InitiateQuickConnectResponses>,
    Api.InitiateQuickConnectErrors
  >;
  getQuickConnectState: Operation<
    'quickconnect',
    Api.GetQuickConnectStateData,
    JsonReply<Api.GetQuickConnectStateResponses>,
    Api.GetQuickConnectStateErrors
  >;
  authenticateWithQuickConnect: Operation<
    'quickconnect',
    Api.AuthenticateWithQuickConnectData,
    JsonReply<Api.AuthenticateWithQuickConnectResponses>,
    Api.AuthenticateWithQuickConnectErrors
  >;
  getHealth: Operation<'health', Api.GetHealthData, JsonReply<Api.GetHealthResponses>, Api.GetHealthErrors>;
  getReadiness: Operation<
    'health',
    Api.GetReadinessData,
    JsonReply<Api.GetReadinessResponses>,
    Api.GetReadinessErrors
  >;
  getLogoutPage: Operation<
    'logout',
    Api.GetLogoutPageData,
    HtmlReply<Api.GetLogoutPageResponses>,
    Api.GetLogoutPageErrors
  >;
  endLogout: Operation<'logout', Api.EndLogoutData, JsonReply<Api.EndLogoutResponses>, Api.EndLogoutErrors>;
  receiveOidcBackChannelLogout: Operation<
    'logout',
    Api.ReceiveOidcBackChannelLogoutData,
    EmptyReply<Api.ReceiveOidcBackChannelLogoutResponses>,
    Api.ReceiveOidcBackChannelLogoutErrors
  >;
}

export type OperationId = keyof Operations;

/** The operations of one or more tags. */
export type OperationOfTag<T extends Tag> = {
  [K in OperationId]: Operations[K]['tag'] extends T ? K : never;
}[OperationId];

/** What a handler receives of its request: the spec's path, query and body, validated. */
export type HandlerInput<K extends OperationId> = Pick<
  Operations[K]['data'],
  Extract<keyof Operations[K]['data'], 'path' | 'query' | 'body'>
>;

/** Every reply the spec allows this operation. */
export type ReplyOf<K extends OperationId> = Operations[K]['reply'];

/** Any reply of any operation: what the edge writes to the wire. */
export type Reply = ReplyOf<OperationId>;
