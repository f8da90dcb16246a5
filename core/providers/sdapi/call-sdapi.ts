import type { SdApiServer } from '#core/config/load-config';
import { abortedProviderError, isAbortError, kindForHttpStatus } from '#core/providers/map-provider-error';
import { ProviderError } from '#core/providers/provider-error';
import { readRetryAfterHeaders } from '#core/providers/read-retry-hint';

/** Options of one {@link callSdApi}. */
export type SdApiCallOptions = {
  method: 'GET' | 'POST';
  body?: unknown;
  /** The caller's signal (the job's deadline or cancellation). */
  signal?: AbortSignal | undefined;
  /** This request's own time-out. */
  timeoutMs: number;
};

/**
 * One request to an AUTOMATIC1111-compatible server (A1111 `--api`, Forge, SD.Next), with the
 * basic-auth header its URL carried. Failures are `ProviderError`s of the provider `sdapi`:
 * - no connection (refused, reset, DNS): `transient`, reason `network`;
 * - the caller's signal or the time-out: see `abortedProviderError`;
 * - 401/403 (`--api-auth` credentials wrong) and a 404 of FastAPI itself (a route the server
 *   lacks: started without `--api`): `auth`, an operator's problem;
 * - a 404 raised by A1111's handlers (`{ error: 'HTTPException', detail: 'Init image not found' }`,
 *   the middleware's shape in `modules/api/api.py`) and other 4xx (422 validation): `invalid`;
 * - 408, 429 and 5xx: `transient`.
 */
export async function callSdApi<T>(
  provider: string,
  server: SdApiServer,
  path: string,
  options: SdApiCallOptions,
): Promise<T> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (server.authorization) headers.authorization = server.authorization;
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${server.baseUrl}${path}`, {
      method: options.method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (signal.aborted || isAbortError(error)) throw abortedProviderError(provider, options.signal, error);
    throw new ProviderError(provider, 'transient', `${provider} ${server.baseUrl}${path}: ${describe(error)}`, {
      cause: error,
      reason: 'network',
    });
  }
  if (!response.ok) throw httpError(provider, server, path, response, text);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ProviderError(provider, 'transient', `${provider} ${server.baseUrl}${path}: the answer is not JSON`, {
      cause: error,
      reason: 'server_error',
    });
  }
}

function httpError(provider: string, server: SdApiServer, path: string, response: Response, text: string) {
  const status = response.status;
  let body: { error?: unknown; detail?: unknown; errors?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // A proxy's HTML page or plain text: the status says enough.
  }
  const detail =
    typeof body.errors === 'string' && body.errors
      ? body.errors
      : typeof body.detail === 'string'
        ? body.detail
        : text.slice(0, 200);
  const raisedByHandler = typeof body.error === 'string';
  const kind =
    status === 404 ? (raisedByHandler ? 'invalid' : 'auth') : status === 401 ? 'auth' : kindForHttpStatus(status);
  return new ProviderError(provider, kind, `${provider} ${status} ${server.baseUrl}${path}: ${detail}`, {
    status,
    retryAfterMs: readRetryAfterHeaders(response.headers, status),
  });
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}
