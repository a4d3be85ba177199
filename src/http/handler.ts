// The shape of an operation handler: it receives the validated request and the per-request state, and
// returns a Reply (or throws an SsoError). Writing the reply to the wire is reply.ts's job.
import type { Context } from 'openapi-backend';
import type { Logger } from '../logger.js';
import type { Principal } from '../sso/ports.js';

export interface SetCookie {
  name: string;
  value: string;
  maxAgeSeconds: number;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'Lax' | 'Strict' | 'None';
}

interface ReplyBase {
  status: number;
  headers?: Record<string, string>;
  cookies?: SetCookie[];
}

export type Reply =
  | (ReplyBase & { kind: 'json'; body: unknown })
  | (ReplyBase & { kind: 'empty' })
  | (ReplyBase & { kind: 'redirect'; location: string })
  | (ReplyBase & { kind: 'html'; html: string; csp: string })
  | (ReplyBase & { kind: 'text'; contentType: string; text: string });

/** What every handler knows of its request beyond the validated parameters. */
export interface RequestState {
  requestId: string;
  log: Logger;
  /** The caller, once the security step resolved a credential. */
  principal: Principal | null;
  cookies: Record<string, string>;
  clientAddress: string;
  accept: string | undefined;
}

export type OperationContext = Context;

export type Handler = (c: OperationContext, state: RequestState) => Promise<Reply>;

/** A JSON reply typed by the operation's generated `…Responses` type. */
export function json<R, S extends keyof R & number>(
  status: S,
  body: R[S],
  extra: Partial<ReplyBase> = {},
): Reply {
  return { kind: 'json', status, body, ...extra };
}

export function empty(status: number, extra: Partial<ReplyBase> = {}): Reply {
  return { kind: 'empty', status, ...extra };
}
