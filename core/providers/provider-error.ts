/**
 * How a provider call failed, in the terms routing needs:
 * - `transient`: 5xx, 429, timeout, connection error: retried with backoff, then the next provider.
 * - `refused`: the provider's safety system said no: the job ends `blocked` with a refund.
 * - `invalid`: the request cannot be served as asked (bad size, unsupported input): no retry, no failover.
 * - `auth`: the key is wrong or lacks access: the next provider (never retried), and an operator alert in logs.
 */
export type ProviderFailureKind = 'transient' | 'refused' | 'invalid' | 'auth';

/**
 * Why a `transient` failure happened, for the retry metrics and the job's record: the provider
 * throttled us (`rate_limited`, a 429), it failed (`server_error`, 5xx and 408/409/425), one call
 * ran past its time-out (`timeout`), the connection broke (`network`), or a long-running
 * operation ended in error (`operation_failed`: its name is of no further use, a retry starts a
 * new one); `other` for the rest.
 */
export type ProviderFailureReason =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'operation_failed'
  | 'other';

/** Options of {@link ProviderError}. */
export type ProviderErrorOptions = {
  status?: number;
  cause?: unknown;
  /** How long the provider asked us to wait (`Retry-After`, rate-limit reset headers, Google's `RetryInfo`). */
  retryAfterMs?: number | undefined;
  /** Why it failed; by default derived from `status`. */
  reason?: ProviderFailureReason;
};

/** A provider's failure; the raw provider message stays in `cause` and logs, never in a chat. */
export class ProviderError extends Error {
  readonly provider: string;
  readonly kind: ProviderFailureKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly reason: ProviderFailureReason;

  constructor(provider: string, kind: ProviderFailureKind, message: string, options: ProviderErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.reason = options.reason ?? reasonForStatus(options.status);
  }
}

function reasonForStatus(status: number | undefined): ProviderFailureReason {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status !== undefined && (status >= 500 || status === 409 || status === 425)) return 'server_error';
  return 'other';
}
