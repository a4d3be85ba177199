// Activity-log entries of a user's own account changes (app passwords, device sign-outs): what was done,
// to whom and by which request. Never a password or a token: the message names the act only.
import { activityId, type RequestContext } from './activity.js';
import type { SsoStep } from './errors.js';
import type { AccountLink, ActivityEntry } from './ports.js';

export interface AccountAct {
  time: Date;
  userId: string;
  username: string;
  /** One link of the user: the log files every entry under a provider. Null when the user has none. */
  link: AccountLink | null;
  step: SsoStep;
  message: string;
  request: RequestContext;
}

export function accountEntry(act: AccountAct): ActivityEntry {
  return {
    id: activityId(act.time),
    time: act.time,
    protocol: act.link?.protocol ?? 'oidc',
    provider: act.link?.providerName ?? '',
    step: act.step,
    outcome: 'success',
    code: null,
    reason: null,
    message: act.message,
    rule: null,
    subject: act.link?.subject ?? null,
    username: act.username,
    userId: act.userId,
    clientAddress: act.request.clientAddress.slice(0, 100),
    requestId: act.request.requestId.slice(0, 100),
    linking: false,
  };
}
