import type { Account } from '#core/accounts/account';
import type { CommandRequest } from '#core/chat/command-request';
import type { CoreDeps } from '#core/core-deps';
import type { DeliveryTarget } from '#core/generation/delivery-target';
import type { Locale } from '#core/i18n/locales';
import type { Logger } from '#core/infra/logger';

/** What a command handler gets: the dependencies, the request, the account and the reply language. */
export type ChatContext = {
  deps: CoreDeps;
  request: CommandRequest;
  account: Account;
  isNewAccount: boolean;
  locale: Locale;
  now: Date;
  log: Logger;
  /** Set when this request was held during a database outage and runs now (see `holdChatRequest`). */
  held?: { generationId: string; statusMessageId: string | undefined };
};

/** The delivery target for jobs started by this request. */
export function deliveryTargetOf(context: ChatContext): DeliveryTarget {
  const { request } = context;
  return {
    platform: request.actor.platform,
    chatId: request.chat.id,
    chatType: request.chat.type,
    platformUserId: request.actor.platformUserId,
    locale: context.locale,
    replyToMessageId: request.chat.messageId,
    extra: request.chat.delivery,
    ...(context.held?.statusMessageId ? { statusMessageId: context.held.statusMessageId } : {}),
  };
}
