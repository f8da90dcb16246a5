/**
 * A process that takes a slot of a clustered limit and never gives it back, then waits to be
 * killed: `tsx hold-slot-child.ts <redisUrl> <keyPrefix> <limit> <slotLeaseMs>`. Prints "holding" once it has it.
 */
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import { createLogger } from '#core/infra/logger';

const [redisUrl, keyPrefix, limit, slotLeaseMs] = process.argv.slice(2) as [string, string, string, string];
const limiter = createRateLimiter({
  limits: { [limit]: { maxConcurrent: 1, slotTimeoutMs: 600_000 } },
  redisUrl,
  keyPrefix,
  logger: createLogger({ level: 'silent' }),
  slotLeaseMs: Number(slotLeaseMs),
});
void limiter.schedule(limit, () => {
  process.stdout.write('holding\n');
  return new Promise<void>(() => undefined);
});
setInterval(() => undefined, 60_000);
