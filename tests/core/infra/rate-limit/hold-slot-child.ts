/**
 * A process that takes a slot of a clustered limit and never gives it back, then waits to be
 * killed: `tsx hold-slot-child.ts <redisUrl> <keyPrefix> <limit> <slotLeaseMs> [hold]`. Prints "holding" once it
 * has it. With `hold`, it takes the key `<limit>` through `tryHold` (capacity 1) instead of a scheduled call.
 */
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import { createLogger } from '#core/infra/logger';

const [redisUrl, keyPrefix, limit, slotLeaseMs, mode] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];
const limiter = createRateLimiter({
  limits: { [limit]: { maxConcurrent: 1, slotTimeoutMs: 600_000 } },
  redisUrl,
  keyPrefix,
  logger: createLogger({ level: 'silent' }),
  slotLeaseMs: Number(slotLeaseMs),
});
if (mode === 'hold') {
  void limiter.tryHold(limit, 1).then((hold) => hold && process.stdout.write('holding\n'));
} else {
  void limiter.schedule(limit, () => {
    process.stdout.write('holding\n');
    return new Promise<void>(() => undefined);
  });
}
setInterval(() => undefined, 60_000);
