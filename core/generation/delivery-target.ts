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
  extra?: Record<string, string> | undefined;
};
