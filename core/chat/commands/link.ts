import { confirmLinkInChat, cancelLinkInChat, type ChatLinkOutcome } from '#core/accounts/confirm-link-in-chat';
import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Reply } from '#core/chat/reply';

function presserOf(context: ChatContext) {
  const { actor } = context.request;
  return {
    platform: actor.platform,
    platformUserId: actor.platformUserId,
    username: actor.username,
    displayName: actor.displayName,
  };
}

/** Each outcome of a link button as the words the presser reads. */
function replyOf(result: ChatLinkOutcome): Reply {
  switch (result.outcome) {
    case 'linked':
      return result.forfeitedBonus > 0
        ? textReply('link.linked_bonus_not_combined', {
            account: result.account,
            credits: result.movedCredits,
            bonus: result.forfeitedBonus,
          })
        : textReply('link.linked', { account: result.account, credits: result.movedCredits });
    case 'cancelled':
      return textReply('link.cancelled', { account: result.account });
    case 'already_linked':
      return textReply('link.already_linked', { account: result.account }, { ephemeral: true });
    case 'linked_elsewhere':
      return textReply('link.linked_elsewhere', { account: result.account }, { ephemeral: true });
    case 'busy':
      return textReply('link.busy', { account: result.account }, { ephemeral: true });
    case 'used':
      return textReply('link.used', undefined, { ephemeral: true });
    case 'expired':
      return textReply('link.expired', undefined, { ephemeral: true });
    case 'not_yours':
      return textReply('link.not_yours', undefined, { ephemeral: true });
    case 'invalid':
      return textReply('link.invalid', undefined, { ephemeral: true });
  }
}

/** "Confirm" on the link message the website sent: joins this chat account to the website account it names. */
export async function runConfirmLink(context: ChatContext, token: string): Promise<Reply[]> {
  const result = await confirmLinkInChat(context.deps, {
    token,
    presser: presserOf(context),
    accountId: context.account.id,
    origin: { ip: undefined, userAgent: undefined },
  });
  return [replyOf(result)];
}

/** "Cancel" on the link message: nothing is joined, and the request cannot be confirmed any more. */
export async function runCancelLink(context: ChatContext, token: string): Promise<Reply[]> {
  return [
    replyOf(
      await cancelLinkInChat(context.deps, { token, presser: presserOf(context), accountId: context.account.id }),
    ),
  ];
}
