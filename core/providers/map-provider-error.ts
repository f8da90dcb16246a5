import type { APIError } from 'openai';
import { ProviderError, type ProviderFailureKind } from '#core/providers/provider-error';
import { readGoogleRetryInfo, readRetryAfterHeaders } from '#core/providers/read-retry-hint';

/**
 * One table from what an SDK threw to a `ProviderError`, so every adapter fails the same way:
 * routing fails over on `transient` and `auth`, ends the job `blocked` on `refused` and
 * `failed` on `invalid`. The provider's own message goes into `message` and the SDK error into
 * `cause`, for logs only; users see a localized message chosen from `kind`.
 */

/** The `openai` SDK's error classes, from the SDK module the adapter loaded (it is imported on first use). */
export type OpenAiErrorClasses = Pick<
  typeof import('openai'),
  'APIError' | 'APIConnectionError' | 'APIConnectionTimeoutError' | 'APIUserAbortError'
>;

/** The `@google/genai` SDK's error class, from the SDK module the adapter loaded. */
export type GoogleErrorClasses = Pick<typeof import('@google/genai'), 'ApiError'>;

/** OpenAI error codes that mean its safety system refused the prompt or the input image. */
const OPENAI_REFUSAL_CODES: ReadonlySet<string> = new Set(['moderation_blocked', 'content_policy_violation']);

/** OpenAI error codes that mean the account, not the request, is the problem: an operator must act. */
const OPENAI_ACCOUNT_CODES: ReadonlySet<string> = new Set([
  'insufficient_quota',
  'billing_hard_limit_reached',
  'invalid_api_key',
]);

/**
 * What an HTTP status means for routing. 404 counts as `auth` because on every API we call it
 * means a model or endpoint this key cannot reach (a deployment problem to alert on and route
 * around), never something wrong in the user's prompt.
 */
export function kindForHttpStatus(status: number): ProviderFailureKind {
  if (status === 401 || status === 402 || status === 403 || status === 404) return 'auth';
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return 'transient';
  return 'invalid';
}

/**
 * The error for a call that ended because `signal` fired or the per-request timeout elapsed;
 * both are `transient` (the demo providers do the same). A caller that aborted on purpose knows
 * it from `signal.aborted` and does not fail over.
 */
export function abortedProviderError(provider: string, signal: AbortSignal | undefined, cause: unknown): ProviderError {
  const message =
    signal?.aborted === true ? `${provider}: request aborted by the caller` : `${provider}: request timed out`;
  // Only a call's own time-out speaks of the provider; the caller's abort (deadline, shutdown) does not.
  return new ProviderError(provider, 'transient', message, {
    cause,
    reason: signal?.aborted === true ? 'other' : 'timeout',
  });
}

/**
 * Maps what the `openai` SDK threw (OpenAI itself or OpenRouter, which speaks the same wire
 * format) to a `ProviderError`. Refusals: OpenAI's 400 `moderation_blocked`
 * (platform.openai.com/docs/guides/image-generation) and OpenRouter's 403 moderation error,
 * recognised by its `metadata.reasons` / `flagged_input` (openrouter.ai/docs/api-reference/errors).
 */
export function mapOpenAiError(
  sdk: OpenAiErrorClasses,
  provider: string,
  error: unknown,
  signal?: AbortSignal,
): ProviderError {
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk;
  if (error instanceof ProviderError) return error;
  if (
    signal?.aborted === true ||
    error instanceof APIUserAbortError ||
    error instanceof APIConnectionTimeoutError ||
    isAbortError(error)
  ) {
    return abortedProviderError(provider, signal, error);
  }
  if (error instanceof APIConnectionError)
    return new ProviderError(provider, 'transient', `${provider}: ${error.message}`, {
      cause: error,
      reason: 'network',
    });
  if (!(error instanceof APIError) || error.status === undefined) return unknownError(provider, error);

  const status = error.status;
  const code = typeof error.code === 'string' ? error.code : undefined;
  const message = `${provider} ${status}${code ? ` ${code}` : ''}: ${error.message}`;
  const options = { status, cause: error, retryAfterMs: readRetryAfterHeaders(error.headers, status) };
  if ((code !== undefined && OPENAI_REFUSAL_CODES.has(code)) || isOpenRouterModeration(error)) {
    return new ProviderError(provider, 'refused', message, options);
  }
  if (code !== undefined && OPENAI_ACCOUNT_CODES.has(code))
    return new ProviderError(provider, 'auth', message, options);
  return new ProviderError(provider, kindForHttpStatus(status), message, options);
}

/**
 * Maps what `@google/genai` threw to a `ProviderError`. `ApiError` carries the HTTP status and
 * Google's JSON error as its message; a bad key is a 400 with reason `API_KEY_INVALID` and an
 * unsupported region a 400 `FAILED_PRECONDITION` (ai.google.dev/gemini-api/docs/troubleshooting),
 * both `auth`. A timeout (`httpOptions.timeout`) or an aborted signal rejects with a DOMException
 * named `AbortError`, not an `ApiError`.
 */
export function mapGoogleError(
  sdk: GoogleErrorClasses,
  provider: string,
  error: unknown,
  signal?: AbortSignal,
  answer?: { headers: Headers },
): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal?.aborted === true || isAbortError(error)) return abortedProviderError(provider, signal, error);
  if (!(error instanceof sdk.ApiError)) return unknownError(provider, error);

  const status = error.status;
  const body = parseGoogleError(error.message);
  const retryAfterMs = readRetryAfterHeaders(answer?.headers, status) ?? body.retryAfterMs;
  const message = `${provider} ${status}${body.status ? ` ${body.status}` : ''}: ${body.message ?? error.message}`;
  const isAccountProblem = body.reasons.includes('API_KEY_INVALID') || body.status === 'FAILED_PRECONDITION';
  const kind = status === 400 && isAccountProblem ? 'auth' : kindForHttpStatus(status);
  return new ProviderError(provider, kind, message, { status, cause: error, retryAfterMs });
}

/**
 * Maps the `error` of a finished long-running operation (a `google.rpc.Status`, whose `code` is
 * a gRPC code: grpc.github.io/grpc/core/md_doc_statuscodes.html) to a `ProviderError`.
 */
export function mapGoogleOperationError(provider: string, error: Record<string, unknown>): ProviderError {
  const code = typeof error.code === 'number' ? error.code : undefined;
  const text = typeof error.message === 'string' ? error.message : JSON.stringify(error);
  const kind: ProviderFailureKind =
    code === 3 || code === 9 || code === 11 || code === 12
      ? 'invalid'
      : code === 7 || code === 16
        ? 'auth'
        : 'transient';
  return new ProviderError(provider, kind, `${provider}: operation failed (code ${code ?? '?'}): ${text}`, {
    cause: error,
    reason: 'operation_failed',
  });
}

/** True for the DOMException (or Error) named `AbortError` that fetch rejects with when its signal fires. */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

function unknownError(provider: string, error: unknown): ProviderError {
  const text = error instanceof Error ? error.message : String(error);
  // fetch rejects a reset or refused connection with a TypeError ("fetch failed").
  return new ProviderError(provider, 'transient', `${provider}: ${text}`, {
    cause: error,
    reason: error instanceof TypeError ? 'network' : 'other',
  });
}

function isOpenRouterModeration(error: APIError): boolean {
  if (error.status !== 403) return false;
  const metadata = (error.error as { metadata?: { reasons?: unknown; flagged_input?: unknown } } | undefined)?.metadata;
  return metadata !== undefined && (Array.isArray(metadata.reasons) || typeof metadata.flagged_input === 'string');
}

function parseGoogleError(raw: string): {
  status: string | undefined;
  message: string | undefined;
  reasons: string[];
  retryAfterMs: number | undefined;
} {
  try {
    const parsed = JSON.parse(raw) as { error?: { status?: unknown; message?: unknown; details?: unknown } };
    const details = Array.isArray(parsed.error?.details) ? (parsed.error.details as Array<{ reason?: unknown }>) : [];
    return {
      status: typeof parsed.error?.status === 'string' ? parsed.error.status : undefined,
      message: typeof parsed.error?.message === 'string' ? parsed.error.message : undefined,
      reasons: details.flatMap((detail) => (typeof detail.reason === 'string' ? [detail.reason] : [])),
      retryAfterMs: readGoogleRetryInfo(parsed),
    };
  } catch {
    return { status: undefined, message: undefined, reasons: [], retryAfterMs: undefined };
  }
}
