import type { Platform } from '#core/accounts/account';
import type { Locale } from '#core/i18n/locales';

/**
 * Where a job's progress and results go: the chat the request came from. Stored on the
 * generation so any worker process can deliver. `extra` holds platform data such as a
 * Discord interaction token (valid 15 minutes).
 */
export type DeliveryTarget = {
  platform: Platform;
  chatId: string;
  chatType: 'private' | 'group' | 'channel';
  platformUserId: string;
  locale: Locale;
  replyToMessageId?: string | undefined;
  statusMessageId?: string | undefined;
  /** When the status message was last sent or edited (epoch ms), so the next edit keeps the chat's pace (`notifyProgress`). */
  statusAt?: number | undefined;
  /** The last progress text shown (its key and variables as JSON): an unchanged one is not sent again. */
  statusText?: string | undefined;
  extra?: Record<string, string> | undefined;
};

/**
 * The delivery of a job started on the website: there is no chat to send anything to. The job
 * page reads the status and the result from the database, so the result is delivered once it is
 * stored (`finishGeneration` records `deliveredAt` when the job ends) and the final-message
 * sweeps never pick such a job up.
 */
export type WebDelivery = { platform: 'web'; locale: Locale };

/** What a generation stores as its `delivery`: a chat, or the website. */
export type StoredDelivery = DeliveryTarget | WebDelivery;

/** Whether a stored delivery is the website's (nothing to send). */
export function isWebDelivery(delivery: unknown): delivery is WebDelivery {
  return (delivery as { platform?: unknown } | null)?.platform === 'web';
}
