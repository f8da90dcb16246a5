import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Reply } from '#core/chat/reply';
import { createLinkToken } from '#core/accounts/create-link-token';

/** /privacy: a short summary and the full policy's address. */
export function runPrivacy(context: ChatContext): Reply[] {
  return [textReply('privacy.summary', { url: `${context.deps.config.publicUrl}/privacy` })];
}

/** /terms: a short summary and the full terms' address. */
export function runTerms(context: ChatContext): Reply[] {
  return [textReply('terms.summary', { url: `${context.deps.config.publicUrl}/terms` })];
}

/** /support: the support contact and the user's reference. */
export function runSupport(context: ChatContext): Reply[] {
  return [
    textReply('support.text', { support: context.deps.config.supportEmail, userId: context.account.id.slice(0, 8) }),
  ];
}

/**
 * /link: a one-time web address (10 minutes). The website page names this chat account and asks
 * for a confirmation there; then a button sent into this chat, naming the website account, asks
 * again. Only both together join the accounts (see `confirmLinkOnWeb`, `confirmLinkInChat`).
 */
export async function runLink(context: ChatContext): Promise<Reply[]> {
  const { actor } = context.request;
  const token = await createLinkToken(context.deps, {
    userId: context.account.id,
    platform: actor.platform,
    platformUserId: actor.platformUserId,
    username: actor.username,
    displayName: actor.displayName,
  });
  return [textReply('link.text', { url: `${context.deps.config.publicUrl}/link/${token}` }, { ephemeral: true })];
}
