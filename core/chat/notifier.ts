import type { Reply } from '#core/chat/reply';
import type { DeliveryTarget } from '#core/generation/delivery-target';
import type { Platform } from '#core/accounts/account';

/**
 * Sends replies to a chat outside a request: job progress and results. Each bot implements it;
 * a worker process holds one per configured platform. Returns the id of the status message it
 * created or edited, so later updates edit the same message.
 */
export interface Notifier {
  send(target: DeliveryTarget, replies: Reply[]): Promise<{ statusMessageId?: string | undefined }>;
}

/** The notifiers of this process, by platform. */
export type NotifierRegistry = Partial<Record<Platform, Notifier>>;
