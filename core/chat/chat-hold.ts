import type { CommandRequest } from '#core/chat/command-request';

/**
 * A generation request that arrived while the database was unreachable, kept until it answers.
 * `id` becomes the generation's id, so the status message shown meanwhile ("Received, waiting for
 * the service to recover…") is the one the job's progress and result later replace.
 */
export type HeldRequest = {
  id: string;
  /** The request as the adapter built it, without attachments (they are never held). */
  request: Omit<CommandRequest, 'attachments'>;
  /** Epoch ms the request was held at; it is answered "briefly unavailable" once held too long. */
  heldAt: number;
  /** The chat message showing the held status, once the adapter showed it. */
  statusMessageId?: string | undefined;
};

/** How many requests a hold keeps: in all, and of one person (so one sender cannot fill it for everybody). */
export type HoldLimits = { total: number; perUser: number };

/** Whose request an entry is, for {@link HoldLimits.perUser}: `platform:platformUserId`. */
export function heldRequestOwner(entry: HeldRequest): string {
  return `${entry.request.actor.platform}:${entry.request.actor.platformUserId}`;
}

/**
 * Where held requests wait, in arrival order: Redis when configured (every process of the
 * deployment sees them and one at a time drains them), this process's memory otherwise.
 */
export interface ChatHold {
  /** Adds at the end; false when `limits` are reached, in all or for this person (the request is then refused). */
  add(entry: HeldRequest, limits: HoldLimits): Promise<boolean>;
  /** Records the status message shown for a held request; false when it is held no longer. */
  attachStatusMessage(id: string, messageId: string): Promise<boolean>;
  /** Every held request, oldest first (an entry that cannot be read is dropped). */
  list(): Promise<HeldRequest[]>;
  remove(id: string): Promise<void>;
  /** Claims the drain for `ms` (one drainer across the deployment); false when another holds it. */
  claimDrain(owner: string, ms: number): Promise<boolean>;
  releaseDrain(owner: string): Promise<void>;
}
