import type { ChatHold } from '#core/chat/chat-hold';
import type { AppConfig } from '#core/config/load-config';
import type { Catalog } from '#core/catalog/catalog';
import type { NotifierRegistry } from '#core/chat/notifier';
import type { Clock } from '#core/infra/clock';
import type { PrismaClient } from '#core/infra/db/create-database';
import type { Logger } from '#core/infra/logger';
import type { JobQueue } from '#core/infra/queue/job-queue';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import type { MediaStore } from '#core/infra/media/media-store';
import type { Mailer } from '#core/infra/mail/mailer';
import type { MetricsRecorder } from '#core/metrics/metrics-recorder';
import type Stripe from 'stripe';
import type { PromptModerator } from '#core/moderation/prompt-moderator';
import type { ProviderRegistry } from '#core/providers/route-model';
import type { ProviderResilience } from '#core/providers/provider-resilience';

/**
 * Everything core's use cases need, built once per process by `buildCoreDeps` (the entry point,
 * the tests and the benchmarks alike: `loadConfig -> buildCoreDeps -> createCore(deps)`). No use
 * case builds a client itself.
 */
export type CoreDeps = {
  config: AppConfig;
  logger: Logger;
  prisma: PrismaClient;
  queue: JobQueue;
  limiter: RateLimiter;
  media: MediaStore;
  mailer: Mailer;
  clock: Clock;
  catalog: Catalog;
  providers: ProviderRegistry;
  /** Retry settings, provider cool-downs (shared through Redis when configured) and circuit breakers (`createProviderResilience`). */
  providerResilience: ProviderResilience;
  moderator: PromptModerator;
  /** The notifiers of this process by platform; adapters add theirs with `Core.registerNotifier`. */
  notifiers: NotifierRegistry;
  /** Pings the shared Redis; undefined in embedded mode (no Redis). */
  pingRedis: (() => Promise<unknown>) | undefined;
  /** Where use cases record operational metrics (`createMetrics`); absent: nothing is recorded. */
  metrics?: MetricsRecorder;
  /** Where generation requests wait during a database outage (Redis when configured); absent: this process's memory. */
  chatHold?: ChatHold;
  /** The Stripe client when STRIPE_SECRET_KEY is set (`createCore` builds it from config otherwise). */
  stripe?: Stripe | undefined;
};
