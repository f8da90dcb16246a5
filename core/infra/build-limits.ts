import type { AppConfig } from '#core/config/load-config';
import type { LimitsConfig } from '#core/infra/rate-limit/rate-limiter';

/** The limit every provider call runs under, across the deployment. */
export const GLOBAL_GENERATION_LIMIT = 'generation:global';

/**
 * The bot's messages to Telegram, across every process that sends them (the bot and the
 * workers): Telegram allows a bot about 30 messages a second in all
 * (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this), and each
 * process's own throttler only sees its own share.
 */
export const TELEGRAM_SEND_LIMIT = 'telegram:send';
/**
 * Starts of Telegram calls spaced by this across the deployment: at most 25 a second. The sixth
 * left of Telegram's 30 absorbs calls a loaded process sends later than the pace let them go
 * (they reach Telegram next to the ones granted after them; at ~28 a second the bench's fake
 * Bot API refused about 3% of the calls under load, progress edits among them).
 */
const TELEGRAM_SEND_SPACING_MS = 40;

/** The limit name of one provider. */
export function providerLimitName(provider: string): string {
  return `provider:${provider}`;
}

const DEFAULT_PROVIDER_LIMIT = { maxConcurrent: 4, requestsPerMinute: 60 };

/** The providers of a deployment by kind (a provider serving both kinds appears in both). */
export type LimitedProviders = { image: readonly { name: string }[]; video: readonly { name: string }[] };

/**
 * The rate limits of a deployment: one global cap on provider calls, and per provider a cap on
 * parallel calls and on requests per minute (from PROVIDER_LIMITS, else 4 and 60); with a
 * Telegram bot, the shared pace of its messages ({@link TELEGRAM_SEND_LIMIT}). The demo
 * provider runs locally and is only held to the concurrency cap; the Stable Diffusion servers of
 * SDAPI_URLS (`sdapi`) take four times as many calls at once as there are servers (the pool gives
 * each server one), unpaced.
 *
 * A slot is held for a whole call: an image request, or a video operation from start to done. A
 * worker killed mid-call cannot give its slot back, so the limiter frees it after `slotTimeoutMs`
 * (see `LimitConfig`); until then the provider runs with one slot less across the deployment. That
 * timeout is the longest a call of the provider can take, which is its job's deadline: the image
 * job timeout for a provider that only makes images, the video job timeout for one that also
 * makes videos (and for the global limit when any provider does). Given only names (kinds
 * unknown), every limit gets the video timeout. Image calls ask for the image timeout per call
 * (`ScheduleOptions.slotTimeoutMs`), so a killed worker's image slots come back after that
 * even under a limit that also serves videos.
 */
export function buildLimits(config: AppConfig, providers: LimitedProviders | readonly string[]): LimitsConfig {
  const imageMs = config.jobTimeouts.imageSeconds * 1000;
  const videoMs = config.jobTimeouts.videoSeconds * 1000;
  const kinds: LimitedProviders = Array.isArray(providers)
    ? { image: [], video: providers.map((name) => ({ name })) }
    : (providers as LimitedProviders);
  const makesVideo = new Set(kinds.video.map((provider) => provider.name));
  const names = new Set([...kinds.image, ...kinds.video].map((provider) => provider.name));
  const limits: Record<string, LimitsConfig[string]> = {
    [GLOBAL_GENERATION_LIMIT]: {
      maxConcurrent: config.globalGenerationConcurrency,
      slotTimeoutMs: makesVideo.size > 0 ? videoMs : imageMs,
    },
  };
  if (config.telegram) limits[TELEGRAM_SEND_LIMIT] = { minTimeMs: TELEGRAM_SEND_SPACING_MS, slotTimeoutMs: 120_000 };
  for (const name of names) {
    // Own servers (SDAPI_URLS) have no quota; each takes one job, held by its pool. Four times as many
    // calls as servers may be under way, so that each worker process has jobs waiting in the pool
    // to hand a freed server to at once (a job waiting there costs a promise).
    const servers = name === 'sdapi' ? config.providers.sdapi?.servers.length : undefined;
    const defaults = servers === undefined ? DEFAULT_PROVIDER_LIMIT : { maxConcurrent: servers * 4 };
    const own = { ...defaults, ...(config.providerLimits[name] ?? {}) };
    limits[providerLimitName(name)] = {
      maxConcurrent: own.maxConcurrent,
      ...((name === 'demo' || servers !== undefined) && !config.providerLimits[name]?.requestsPerMinute
        ? {}
        : { reservoir: { amount: own.requestsPerMinute ?? 60, refreshIntervalMs: 60_000 } }),
      slotTimeoutMs: makesVideo.has(name) ? videoMs : imageMs,
    };
  }
  return limits;
}
