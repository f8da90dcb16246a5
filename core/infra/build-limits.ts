import type { AppConfig } from '#core/config/load-config';
import type { LimitsConfig } from '#core/infra/rate-limit/rate-limiter';

/** The limit every provider call runs under, across the deployment. */
export const GLOBAL_GENERATION_LIMIT = 'generation:global';

/** The limit name of one provider. */
export function providerLimitName(provider: string): string {
  return `provider:${provider}`;
}

const DEFAULT_PROVIDER_LIMIT = { maxConcurrent: 4, requestsPerMinute: 60 };

/**
 * The rate limits of a deployment: one global cap on provider calls, and per provider a cap on
 * parallel calls and on requests per minute (from PROVIDER_LIMITS, else 4 and 60). The demo
 * provider runs locally and is only held to the concurrency cap.
 */
export function buildLimits(config: AppConfig, providerNames: readonly string[]): LimitsConfig {
  const limits: Record<string, LimitsConfig[string]> = {
    [GLOBAL_GENERATION_LIMIT]: { maxConcurrent: config.globalGenerationConcurrency, slotTimeoutMs: config.jobTimeouts.videoSeconds * 1000 },
  };
  for (const name of new Set(providerNames)) {
    const own = { ...DEFAULT_PROVIDER_LIMIT, ...(config.providerLimits[name] ?? {}) };
    limits[providerLimitName(name)] = {
      maxConcurrent: own.maxConcurrent,
      ...(name === 'demo' && !config.providerLimits[name]?.requestsPerMinute ? {} : { reservoir: { amount: own.requestsPerMinute, refreshIntervalMs: 60_000 } }),
      slotTimeoutMs: config.jobTimeouts.videoSeconds * 1000,
    };
  }
  return limits;
}
