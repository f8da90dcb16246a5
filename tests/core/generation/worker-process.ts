/**
 * A generation worker in a process of its own, for the multi-process tests in this folder and for
 * the bench: a core wired like production (PostgreSQL, BullMQ and clustered limits on Redis) on the
 * database and Redis prefix it is given, with the demo providers (DEMO_PROVIDER_LATENCY_MS in
 * `env`) unless told otherwise.
 *
 * Usage: node --import tsx worker-process.ts '<WorkerProcessOptions as JSON>'
 *
 * It reports on stdout, one line each:
 *   ready                                     the worker takes jobs
 *   provider-start <provider> / provider-end <provider>   around every image provider call
 *   status <generationId> <i18n key>          a status reply was sent to the chat
 *   media <generationId> <sha256,sha256…>     a result was delivered (the sha256 of each file)
 * With `concurrencyKey`, every provider call is also counted in Redis: `<key>:now` while it runs,
 * `<key>:max` the highest value `<key>:now` reached, across every process using the key.
 * SIGTERM closes it gracefully; the tests SIGKILL it to simulate a crash.
 */
import { createHash } from 'node:crypto';
import type { DeliveryTarget, Notifier, Reply } from '#core';
import type { ImageProvider } from '#core/providers/ports';
import { createProviderRegistry } from '#core/providers/create-provider-registry';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import { openProcessCore, TEST_REDIS_URL } from '#tests/core/generation/process-core';

/** What the parent passes as the one argument, as JSON. */
export type WorkerProcessOptions = {
  databaseUrl: string;
  prefix: string;
  dataDir: string;
  env?: Record<string, string>;
  concurrency: number;
  concurrencyKey?: string;
  stalledIntervalMs?: number;
  lockDurationMs?: number;
};

// INCR the running count and raise the recorded maximum in one step, so two processes cannot
// both read an old maximum.
const ENTER_SCRIPT = `
local now = redis.call('INCR', KEYS[1])
local max = tonumber(redis.call('GET', KEYS[2]) or '0')
if now > max then redis.call('SET', KEYS[2], now) end
return now
`;

/** Wraps an image provider so each call is reported and, with a Redis key, counted across processes. */
function instrument(provider: ImageProvider, redis: Redis | undefined, key: string | undefined): ImageProvider {
  return {
    name: provider.name,
    capabilities: provider.capabilities,
    async generateImages(request) {
      if (redis && key) await redis.eval(ENTER_SCRIPT, 2, `${key}:now`, `${key}:max`);
      process.stdout.write(`provider-start ${provider.name}\n`);
      try {
        return await provider.generateImages(request);
      } finally {
        process.stdout.write(`provider-end ${provider.name}\n`);
        if (redis && key) await redis.decr(`${key}:now`);
      }
    },
  };
}

/** Reports what reaches the chat on stdout. */
const stdoutNotifier: Notifier = {
  async send(_target: DeliveryTarget, replies: Reply[]) {
    for (const reply of replies) {
      if (reply.type === 'status') process.stdout.write(`status ${reply.generationId} ${reply.text.key}\n`);
      if (reply.type === 'media') {
        const digests = await Promise.all(
          reply.items.map(async (item) =>
            createHash('sha256')
              .update(await item.load())
              .digest('hex'),
          ),
        );
        process.stdout.write(`media ${reply.generationId} ${digests.join(',')}\n`);
      }
    }
    return {};
  },
};

const raw = process.argv[2];
if (!raw) throw new Error("usage: worker-process.ts '<options as JSON>'");
const options = JSON.parse(raw) as WorkerProcessOptions;
const redis = options.concurrencyKey ? createRedisConnection(TEST_REDIS_URL, { role: 'test-instrument' }) : undefined;

const opened = await openProcessCore({
  databaseUrl: options.databaseUrl,
  prefix: options.prefix,
  dataDir: options.dataDir,
  notifier: stdoutNotifier,
  ...(options.env ? { env: options.env } : {}),
  ...(options.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: options.stalledIntervalMs }),
  ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
  providers: (config, limiter) => {
    const registry = createProviderRegistry(config, {
      demoImage: createDemoImageProvider({ latencyMs: config.providers.demoLatencyMs }),
      demoVideo: createDemoVideoProvider(),
      limiter,
    });
    return {
      image: registry.image.map((provider) => instrument(provider, redis, options.concurrencyKey)),
      video: registry.video,
    };
  },
});
await opened.core.startWorker({ concurrency: options.concurrency });
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void (async () => {
    await opened.close();
    if (redis) await closeRedisConnection(redis);
    process.exit(0);
  })();
});
