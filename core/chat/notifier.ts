import type { Reply } from '#core/chat/reply';
import type { DeliveryTarget } from '#core/generation/delivery-target';
import type { Platform } from '#core/accounts/account';

/**
 * Sends replies to a chat outside a request: job progress and results. Each bot implements it;
 * a worker process holds one per configured platform. Returns the id of the status message it
 * created or edited, so later updates edit the same message.
 *
 * `send` resolves only when the platform accepted every reply, and throws otherwise: a
 * {@link ChatUnreachableError} when nothing can ever reach the chat (the user blocked the bot,
 * the chat is gone), any other error when a later try may succeed (flood limits, outages). Core
 * retries a job's final message on the second kind (`deliverFinalMessage`).
 */
export interface Notifier {
  send(target: DeliveryTarget, replies: Reply[]): Promise<{ statusMessageId?: string | undefined }>;
}

/** The notifiers of this process, by platform. */
export type NotifierRegistry = Partial<Record<Platform, Notifier>>;

/**
 * The chat can no longer be written to (the user blocked the bot or left, the chat was deleted):
 * retrying is pointless. Notifiers throw it; core stops delivering to that chat's job.
 */
export class ChatUnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChatUnreachableError';
  }
}
