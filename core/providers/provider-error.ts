/**
 * How a provider call failed, in the terms routing needs:
 * - `transient`: 5xx, 429, timeout, connection error: try the next provider.
 * - `refused`: the provider's safety system said no: the job ends `blocked` with a refund.
 * - `invalid`: the request cannot be served as asked (bad size, unsupported input): no failover.
 * - `auth`: the key is wrong or lacks access: the next provider, and an operator alert in logs.
 */
export type ProviderFailureKind = 'transient' | 'refused' | 'invalid' | 'auth';

/** A provider's failure; the raw provider message stays in `cause` and logs, never in a chat. */
export class ProviderError extends Error {
  readonly provider: string;
  readonly kind: ProviderFailureKind;
  readonly status: number | undefined;

  constructor(provider: string, kind: ProviderFailureKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.kind = kind;
    this.status = options.status;
  }
}
