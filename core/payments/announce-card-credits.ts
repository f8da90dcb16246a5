import type { CoreDeps } from '#core/core-deps';
import { textReply } from '#core/chat/reply';
import { getBalance } from '#core/credits/get-balance';
import { deliveryTargetOfOrigin, type ChatOrigin } from '#core/payments/checkout-chat-origin';

export { chatOriginOf } from '#core/payments/checkout-chat-origin';

/**
 * Tells the chat a card purchase started from that its credits arrived (`buy.credited`, as a
 * Stars payment does), once the credits are committed. Only when that chat's user is still an
 * identity of the credited account (metadata chooses the chat, never the account). Best effort:
 * a process without that platform's notifier, or a chat that refuses, is logged and skipped;
 * the credits stay.
 */
export async function announceCredits(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'logger' | 'notifiers'>,
  input: { userId: string; credits: number; origin: ChatOrigin },
): Promise<void> {
  const { origin } = input;
  const log = deps.logger.child({ userId: input.userId, platform: origin.platform });
  try {
    const identity = await deps.prisma.identity.findUnique({
      where: { provider_subject: { provider: origin.platform, subject: origin.platformUserId } },
      select: { userId: true },
    });
    if (identity?.userId !== input.userId) {
      log.warn('card credits not announced: the chat user is no longer this account');
      return;
    }
    const notifier = deps.notifiers[origin.platform];
    if (!notifier) {
      log.warn('card credits not announced: no notifier for that platform in this process');
      return;
    }
    const balance = await getBalance(deps.prisma, input.userId, deps.clock.now());
    await notifier.send(deliveryTargetOfOrigin(origin), [
      textReply('buy.credited', { credits: input.credits, balance: balance.available }),
    ]);
  } catch (error) {
    log.warn({ err: error }, 'card credits not announced in the chat');
  }
}
