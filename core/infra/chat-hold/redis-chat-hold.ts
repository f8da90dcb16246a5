import { heldRequestOwner, type ChatHold, type HeldRequest } from '#core/chat/chat-hold';
import type { Redis } from '#core/infra/redis';

// Adds only below both limits, in one step so two processes cannot both take the last place.
// KEYS: order (sorted set), entries (hash), sequence, owners (hash id -> owner), counts (hash owner -> n).
// ARGV: id, entry JSON, total, owner, per user.
const ADD_SCRIPT = `
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
if tonumber(redis.call('HGET', KEYS[5], ARGV[4]) or '0') >= tonumber(ARGV[5]) then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
redis.call('HINCRBY', KEYS[5], ARGV[4], 1)
return 1`;

// Removes an entry and gives its owner's place back, once.
// KEYS: order, entries, messages, owners, counts. ARGV: id.
const REMOVE_SCRIPT = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
local owner = redis.call('HGET', KEYS[4], ARGV[1])
if owner then
  redis.call('HDEL', KEYS[4], ARGV[1])
  if redis.call('HINCRBY', KEYS[5], owner, -1) <= 0 then redis.call('HDEL', KEYS[5], owner) end
end
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
  const owners = key('owners');
  const counts = key('counts');
  const remove = async (id: string) => {
    await redis.eval(REMOVE_SCRIPT, 5, order, entries, messages, owners, counts, id);
  };
  return {
    async add(entry, limits) {
      const added = await redis.eval(
        ADD_SCRIPT,
        5,
        order,
        entries,
        key('seq'),
        owners,
        counts,
        entry.id,
        JSON.stringify(entry),
        limits.total,
        heldRequestOwner(entry),
        limits.perUser,
      );
      return Number(added) === 1;
    },
    async attachStatusMessage(id, messageId) {
      return Number(await redis.eval(ATTACH_SCRIPT, 2, entries, messages, id, messageId)) === 1;
    },
    async list() {
      const ids = await redis.zrange(order, 0, -1);
      if (ids.length === 0) return [];
      const [raw, shown] = await Promise.all([redis.hmget(entries, ...ids), redis.hmget(messages, ...ids)]);
      const held: HeldRequest[] = [];
      for (const [index, id] of ids.entries()) {
        const entry = parseEntry(raw[index]);
        // Gone or damaged (a half-applied write, a hand edit): dropped, so it neither blocks the drain nor a place.
        if (!entry) await remove(id);
        else held.push({ ...entry, statusMessageId: shown[index] ?? entry.statusMessageId });
      }
      return held;
    },
    remove,
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

/** A held entry from its JSON, or undefined when it is missing or not one. */
function parseEntry(text: string | null | undefined): HeldRequest | undefined {
  if (!text) return undefined;
  try {
    const entry = JSON.parse(text) as Partial<HeldRequest> | null;
    return entry && typeof entry.id === 'string' && entry.request?.actor ? (entry as HeldRequest) : undefined;
  } catch {
    return undefined;
  }
}
