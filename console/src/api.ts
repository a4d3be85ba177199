// The console's one way to the service: the generated client (clients/typescript), bound to this origin's
// base path and the current credential, and a helper that turns an answer into its data or a Problem.
import { createSsoClient, type Client } from '../../clients/typescript/index.ts';
import type { Problem } from '../../clients/typescript/index.ts';
import { basePath, type Credential } from './session.ts';

export type { Client, Problem };

export function clientFor(credential: Credential | null): Client {
  return createSsoClient({
    baseUrl: location.origin + basePath(),
    ...(credential === null ? {} : { token: credential.token }),
  });
}

/** A refused call: the service's problem document (RFC 9457), or one made up for a network failure. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly status: number,
  ) {
    super(problem.detail);
    this.name = 'ProblemError';
  }

  /** The message of the problem's error for one input field (a JSON pointer such as /body/oidEndpoint). */
  fieldMessage(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field)?.message;
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'code' in value && 'detail' in value;
}

/** The generated SDK's answer shape (`responseStyle: 'fields'`, errors returned, not thrown). */
type Answer<T> = Promise<
  { data: T; error: undefined } | { data: undefined; error: unknown; response?: Response }
>;

/** The answer's data, or a ProblemError with the service's problem (or a readable one for anything else). */
export async function call<T>(answer: Answer<T>): Promise<T> {
  let result: Awaited<Answer<T>>;
  try {
    result = await answer;
  } catch (thrown) {
    throw new ProblemError(madeUpProblem(0, `The service could not be reached (${String(thrown)}).`), 0);
  }
  // The SDK's union says `error: undefined` on success, but `error: unknown` on failure also admits
  // undefined, so TypeScript cannot narrow `data` to T here.
  if (result.error === undefined) return result.data as T;
  const status = 'response' in result && result.response !== undefined ? result.response.status : 0;
  if (isProblem(result.error)) throw new ProblemError(result.error, status);
  throw new ProblemError(
    madeUpProblem(status, `The service answered ${status} without a problem document.`),
    status,
  );
}

function madeUpProblem(status: number, detail: string): Problem {
  return {
    type: 'about:blank',
    title: 'Request failed',
    status: status === 0 ? 503 : status,
    code: 'upstream_unavailable',
    reason: 'upstream_unavailable',
    detail,
    requestId: '',
  };
}
