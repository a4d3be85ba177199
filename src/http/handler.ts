// The shape of an operation handler: typed by its operationId from the contract (operations.ts), it receives
// the validated request and the per-request state and returns one of the replies the spec allows (or
// throws an SsoError). Writing the reply to the wire is replies.ts's job.
import type { Logger } from '../logger.js';
import type { AuthorizationFields } from './credentials.js';
import type { Principal } from '../sso/ports.js';
import type { HandlerInput, OperationId, OperationOfTag, Reply, ReplyOf, Tag } from './operations.js';

export type { Reply, SetCookie } from './operations.js';

/** What every handler knows of its request beyond the validated parameters. */
export interface RequestState {
  requestId: string;
  log: Logger;
  /** The caller, once the security step resolved a credential. */
  principal: Principal | null;
  cookies: Record<string, string>;
  clientAddress: string;
  /**
   * The origin the request was sent to, as the service sees it: its Host and scheme, or a trusted proxy's
   * X-Forwarded-Host and -Proto (SSO_TRUST_PROXY).
   */
  requestOrigin: string;
  /** A browser's top-level navigation (Sec-Fetch-Mode), as opposed to a script or a tool. */
  navigation: boolean;
  /** The fields of a MediaBrowser authorization header (a TV names its device there); null without one. */
  clientFields: AuthorizationFields | null;
  /** The query string as sent, still URL-encoded (a SAML redirect signature covers those octets). */
  queryString?: string;
}

/**
 * The handler of operation K. For a union of operations (one function serving an operation and its legacy
 * alias) it takes any of their inputs and may give only the replies all of them allow.
 */
export type Handler<K extends OperationId> = (
  input: HandlerInput<K>,
  state: RequestState,
) => Promise<CommonReply<K>>;

/** The replies every operation of K allows: the intersection of their reply unions. */
type CommonReply<K extends OperationId> = (
  K extends OperationId ? (reply: ReplyOf<K>) => void : never
) extends (reply: infer R) => void
  ? R
  : never;

/** One handler per operation of the spec: a missing or an extra one does not compile. */
export type Handlers = { [K in OperationId]: Handler<K> };

/** The handlers of the operations of some tags (one handler module each). */
export type HandlersOfTag<T extends Tag> = { [K in OperationOfTag<T>]: Handler<K> };

/**
 * A handler's reply, checked against the replies its operation allows. TypeScript refuses a field the type
 * does not have only where an object literal meets the type directly, never through a function's inferred
 * return type; `reply` is that meeting point (`NoInfer`: the type comes from the handler's declared
 * return, never from the literal).
 */
export function reply<R>(value: NoInfer<R>): R {
  return value;
}

/** A handler as the dispatcher holds it: which operation it serves is known only at run time. */
export type RegisteredHandler = (input: never, state: RequestState) => Promise<Reply>;

/**
 * A handler's input from the validated request. Path, query (coerced to the declared types) and body were
 * validated against the routed operation's schema before any handler runs, but the operation is known only
 * at run time: the type system cannot know that the values have the shape of that operation's generated
 * `…Data`, hence the one cast.
 */
export function inputOf(path: unknown, query: unknown, body: unknown): never {
  return { path, query, body } as never;
}
