import { heldRequestOwner, type ChatHold, type HeldRequest } from '#core/chat/chat-hold';

/** A {@link ChatHold} in this process's memory (embedded mode, or no Redis): lost with the process. */
export function createMemoryChatHold(): ChatHold {
  const entries = new Map<string, HeldRequest>();
  let drainOwner: { owner: string; until: number } | undefined;
  return {
    async add(entry, limits) {
      if (entries.size >= limits.total) return false;
      const owner = heldRequestOwner(entry);
      const ofOwner = [...entries.values()].filter((held) => heldRequestOwner(held) === owner).length;
      if (ofOwner >= limits.perUser) return false;
      entries.set(entry.id, { ...entry });
      return true;
    },
    async attachStatusMessage(id, messageId) {
      const entry = entries.get(id);
      if (!entry) return false;
      entry.statusMessageId = messageId;
      return true;
    },
    async list() {
      return [...entries.values()].map((entry) => ({ ...entry }));
    },
    async remove(id) {
      entries.delete(id);
    },
    async claimDrain(owner, ms) {
      if (drainOwner && drainOwner.owner !== owner && drainOwner.until > Date.now()) return false;
      drainOwner = { owner, until: Date.now() + ms };
      return true;
    },
    async releaseDrain(owner) {
      if (drainOwner?.owner === owner) drainOwner = undefined;
    },
  };
}
