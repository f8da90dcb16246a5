import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '#core/infra/logger';
import type { JobQueue } from '#core/infra/queue/job-queue';
import type { MetricsRecorder } from '#core/metrics/metrics-recorder';

/** The prefix of every metric this product defines (process metrics keep prom-client's names). */
export const METRIC_PREFIX = 'imagine_';

/** Seconds buckets for a whole generation: images take seconds, videos minutes. */
const GENERATION_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1800];
/** Seconds buckets for one provider call. */
const PROVIDER_CALL_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
/** Seconds buckets for webhook lag: normally under a second, up to hours when a provider retries. */
const WEBHOOK_LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

/** The queue states reported by `imagine_queue_jobs`. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** A process's metrics: the prom-client registry to expose and the recorder core writes to. */
export type Metrics = MetricsRecorder & {
  /** This process's registry (not prom-client's global one), with the default process metrics. */
  registry: Registry;
};

/**
 * Builds one registry per process with the product's metrics and Node's default process metrics
 * (CPU, memory, event loop lag, GC). Queue depth is read from `deps.queue.counts()` at each
 * scrape, so it is current and costs nothing between scrapes; when the queue cannot be read the
 * series are left out of that scrape (and a warning is logged) rather than reporting stale numbers.
 * Naming follows https://prometheus.io/docs/practices/naming/ (base units, `_total` counters).
 */
export function createMetrics(
  deps: { queue: Pick<JobQueue, 'counts'>; logger?: Logger },
  options: { defaultLabels?: Record<string, string> } = {},
): Metrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: 'Generation jobs in the queue by state, read at scrape time.',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      try {
        const counts = await deps.queue.counts();
        for (const state of QUEUE_STATES) this.set({ state }, counts[state]);
      } catch (error) {
        deps.logger?.warn({ err: error }, 'metrics: could not read the queue counts');
      }
    },
  });
  const generationSeconds = new Histogram({
    name: `${METRIC_PREFIX}generation_duration_seconds`,
    help: 'Time from admission to the final status of a generation.',
    labelNames: ['kind', 'provider', 'status'],
    buckets: GENERATION_BUCKETS,
    registers,
  });
  const providerCallSeconds = new Histogram({
    name: `${METRIC_PREFIX}provider_call_duration_seconds`,
    help: 'Duration of one provider call (rate-limit wait excluded) by outcome.',
    labelNames: ['provider', 'kind', 'outcome'],
    buckets: PROVIDER_CALL_BUCKETS,
    registers,
  });
  const providerErrors = new Counter({
    name: `${METRIC_PREFIX}provider_errors_total`,
    help: 'Failed provider calls by provider, generation kind and error kind.',
    labelNames: ['provider', 'kind', 'error'],
    registers,
  });
  const providerRetries = new Counter({
    name: `${METRIC_PREFIX}provider_retries_total`,
    help: 'Provider calls tried again after a transient failure, by provider and cause (rate_limited, server_error, timeout, network, ...).',
    labelNames: ['provider', 'cause'],
    registers,
  });
  const providerSkips = new Counter({
    name: `${METRIC_PREFIX}provider_skips_total`,
    help: 'Times a provider was passed over without a call: circuit open, or cooling down past the job deadline.',
    labelNames: ['provider', 'reason'],
    registers,
  });
  const creditsGranted = new Counter({
    name: `${METRIC_PREFIX}credits_granted_total`,
    help: 'Credits added to accounts, by source.',
    labelNames: ['source'],
    registers,
  });
  const creditsSpent = new Counter({
    name: `${METRIC_PREFIX}credits_spent_total`,
    help: 'Credits captured by succeeded generations, by kind.',
    labelNames: ['kind'],
    registers,
  });
  const creditsRefunded = new Counter({
    name: `${METRIC_PREFIX}credits_refunded_total`,
    help: 'Credits returned to accounts because a generation did not succeed, by reason.',
    labelNames: ['reason'],
    registers,
  });
  const webhookLag = new Histogram({
    name: `${METRIC_PREFIX}webhook_lag_seconds`,
    help: 'Time from a webhook event being created by the provider to it being processed.',
    labelNames: ['provider'],
    buckets: WEBHOOK_LAG_BUCKETS,
    registers,
  });

  return {
    registry,
    observeProviderCall: (call) => {
      providerCallSeconds.observe(
        { provider: call.provider, kind: call.kind, outcome: call.outcome },
        nonNegative(call.seconds),
      );
      if (call.outcome !== 'ok') providerErrors.inc({ provider: call.provider, kind: call.kind, error: call.outcome });
    },
    countProviderRetry: (provider, cause) => {
      providerRetries.inc({ provider, cause });
    },
    countProviderSkip: (provider, why) => {
      providerSkips.inc({ provider, reason: why });
    },
    observeGenerationEnd: (end) => {
      generationSeconds.observe(
        { kind: end.kind, provider: end.provider ?? 'none', status: end.status },
        nonNegative(end.seconds),
      );
    },
    countCreditsGranted: (amount, source) => {
      if (amount > 0) creditsGranted.inc({ source }, amount);
    },
    countCreditsSpent: (amount, kind) => {
      if (amount > 0) creditsSpent.inc({ kind }, amount);
    },
    countCreditsRefunded: (amount, reason) => {
      if (amount > 0) creditsRefunded.inc({ reason }, amount);
    },
    observeWebhookLag: (provider, seconds) => {
      webhookLag.observe({ provider }, nonNegative(seconds));
    },
  };
}

function nonNegative(seconds: number): number {
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}
