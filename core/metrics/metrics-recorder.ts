import type { GenerationKind, GenerationStatus } from '#core/infra/db/generated/enums';

/**
 * How one provider call ended: `ok`, a `ProviderError` kind (`transient`, `refused`, `invalid`,
 * `auth`), `timeout` when the job's deadline cut it short, or `unknown` for anything else.
 */
export type ProviderCallOutcome = 'ok' | 'transient' | 'refused' | 'invalid' | 'auth' | 'timeout' | 'unknown';

/** A generation that reached a final status. */
export type GenerationEnd = {
  kind: GenerationKind;
  /** The provider that served it (or failed last); null when none was tried. */
  provider: string | null;
  status: Extract<GenerationStatus, 'succeeded' | 'failed' | 'cancelled' | 'blocked'>;
  /** From admission (the generation row's creation) to its end. */
  seconds: number;
};

/**
 * The port through which core records operational metrics. `createMetrics` implements it with
 * prom-client.
 * Every method is synchronous and must never throw: a metric is never worth a failed job.
 */
export interface MetricsRecorder {
  /** One call to a provider (limiter wait excluded), with its outcome. Failures also count as provider errors. */
  observeProviderCall(call: {
    provider: string;
    kind: GenerationKind;
    seconds: number;
    outcome: ProviderCallOutcome;
  }): void;
  /** A provider call failed transiently and the job tries again (same provider or the next), by why it failed. */
  countProviderRetry(provider: string, cause: string): void;
  /** A provider was passed over without a call: its circuit is open (`breaker_open`) or it asked us to wait past the deadline (`cooling_down`). */
  countProviderSkip(provider: string, why: 'breaker_open' | 'cooling_down'): void;
  /** A generation ended; its latency from admission, by kind, provider and final status. */
  observeGenerationEnd(end: GenerationEnd): void;
  /** Credits added to an account (`source`: pack, plan_period, admin, signup_bonus...). */
  countCreditsGranted(amount: number, source: string): void;
  /** Credits made final by a succeeded generation (a captured reservation). */
  countCreditsSpent(amount: number, kind: GenerationKind): void;
  /** Credits returned to an account because its generation did not succeed (a released reservation). */
  countCreditsRefunded(amount: number, reason: string): void;
  /**
   * How long after the provider created a webhook event we processed it (Stripe: now minus
   * `event.created`; Telegram: now minus the message `date`). Negative values are clamped to 0.
   */
  observeWebhookLag(provider: string, seconds: number): void;
}
