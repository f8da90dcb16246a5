import type { ChatHold, HeldRequest } from '#core/chat/chat-hold';
import type { Redis } from '#core/infra/redis';

// Adds only below the limit, in one step so two processes cannot both take the last place.
// KEYS: order (sorted set), entries (hash), sequence. ARGV: id, entry JSON, max.
const ADD_SCRIPT = `
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

// KEYS: entries, messages. ARGV: id, message id.
const ATTACH_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A {@link ChatHold} in Redis under `<prefix>:chat-hold:*`: a sorted set gives the arrival order
 * (scored by a counter), a hash the entries, another the status messages shown, and a key with
 * an expiry the one drainer. It uses the caller's connection and never closes it.
 */
export function createRedisChatHold(redis: Redis, prefix: string): ChatHold {
  const key = (name: string) => `${prefix}:chat-hold:${name}`;
  const order = key('order');
  const entries = key('entries');
  const messages = key('messages');
  const drain = key('drain');
  return {
    async add(entry, maxRequests) {
      return (
        Number(
          await redis.eval(ADD_SCRIPT, 3, order, entries, key('seq'), entry.id, JSON.stringify(entry), maxRequests),
        ) === 1
      );
    },
    async attachStatusMessage(id, messageId) {
      return Number(await redis.eval(ATTACH_SCRIPT, 2, entries, messages, id, messageId)) === 1;
    },
    async list() {
      const ids = await redis.zrange(order, 0, -1);
      if (ids.length === 0) return [];
      const [raw, shown] = await Promise.all([redis.hmget(entries, ...ids), redis.hmget(messages, ...ids)]);
      return ids.flatMap((_id, index) => {
        const text = raw[index];
        if (!text) return [];
        const entry = JSON.parse(text) as HeldRequest;
        return [{ ...entry, statusMessageId: shown[index] ?? entry.statusMessageId }];
      });
    },
    async remove(id) {
      await redis.multi().zrem(order, id).hdel(entries, id).hdel(messages, id).exec();
    },
    async claimDrain(owner, ms) {
      if ((await redis.set(drain, owner, 'PX', ms, 'NX')) === 'OK') return true;
      // Ours already: extend it.
      return (
        (await redis.eval(
          `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`,
          1,
          drain,
          owner,
          ms,
        )) === 1
      );
    },
    async releaseDrain(owner) {
      await redis.eval(RELEASE_SCRIPT, 1, drain, owner);
    },
  };
}
