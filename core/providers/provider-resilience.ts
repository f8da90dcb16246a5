import { type CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { ProviderCoolDown } from '#core/providers/provider-cool-down';
import { ProviderError } from '#core/providers/provider-error';

/**
 * How provider calls are retried and when a provider is skipped: `AppConfig.providerRetry`, from
 * `PROVIDER_RETRY_*`, `PROVIDER_ATTEMPTS_PER_ROUTE` and `PROVIDER_BREAKER_*` (defaults: 1 s doubling
 * to 20 s, 3 tries per route, skip after 5 failures for 15 s).
 */
export type RetrySettings = {
  /** First backoff after a transient failure; doubles per retry (with jitter). */
  baseDelayMs: number;
  /** The longest backoff between two tries of one route. */
  maxDelayMs: number;
  /** Tries of one route in a row before the next route is tried (the routes are walked again while time is left). */
  attemptsPerRoute: number;
  /** Failures in a row (5xx, time-outs, broken connections) after which a provider is skipped. */
  breakerFailures: number;
  /** How long a broken provider is skipped before one probe call is let through (half-open). */
  breakerOpenMs: number;
};

/**
 * What the provider-call loop shares across jobs: the provider cool-downs (after a 429) and one
 * circuit breaker per provider, in this process. The breakers are cockatiel's
 * (`ConsecutiveBreaker`): `breakerFailures` failures in a row open a provider's circuit, calls then
 * fail at once with `BrokenCircuitError` for `breakerOpenMs`, after which one call probes it
 * (half-open): success closes the circuit, failure opens it again.
 */
export type ProviderResilience = {
  settings: RetrySettings;
  coolDown: ProviderCoolDown;
  /** The breaker of `provider`, made on first use. */
  breakerFor(provider: string): CircuitBreakerPolicy;
  /** When `provider`'s open circuit lets a probe through (epoch ms); 0 when its circuit is not open. */
  openUntilMs(provider: string): number;
};

/** Builds the shared retry state of one process. */
export function createProviderResilience(options: {
  settings: RetrySettings;
  coolDown: ProviderCoolDown;
}): ProviderResilience {
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const openUntil = new Map<string, number>();
  function breakerFor(provider: string): CircuitBreakerPolicy {
    let breaker = breakers.get(provider);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(countsAgainstProvider), {
        halfOpenAfter: options.settings.breakerOpenMs,
        breaker: new ConsecutiveBreaker(options.settings.breakerFailures),
      });
      breaker.onBreak(() => openUntil.set(provider, Date.now() + options.settings.breakerOpenMs));
      breaker.onHalfOpen(() => openUntil.delete(provider));
      breaker.onReset(() => openUntil.delete(provider));
      breakers.set(provider, breaker);
    }
    return breaker;
  }
  return {
    settings: options.settings,
    coolDown: options.coolDown,
    breakerFor,
    openUntilMs: (provider) =>
      breakers.get(provider)?.state === CircuitState.Open ? (openUntil.get(provider) ?? 0) : 0,
  };
}

/**
 * The pause before try `attempt + 1` of a route (`attempt` >= 1): exponential from `baseDelayMs`,
 * capped at `maxDelayMs`, with "equal jitter" (half fixed, half random) so jobs that failed
 * together do not come back together; never shorter than what the provider asked for.
 */
export function backoffDelayMs(
  settings: Pick<RetrySettings, 'baseDelayMs' | 'maxDelayMs'>,
  attempt: number,
  providerAskedMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(jittered, providerAskedMs ?? 0);
}

/**
 * Failures that speak of the provider's health: server errors, time-outs of one call, broken
 * connections. A 429 is the provider working as agreed (it slows us through the cool-down instead),
 * and refusals, invalid requests and auth errors say nothing about whether it is up.
 */
function countsAgainstProvider(error: unknown): boolean {
  return (
    error instanceof ProviderError &&
    error.kind === 'transient' &&
    ['server_error', 'timeout', 'network', 'operation_failed'].includes(error.reason)
  );
}
