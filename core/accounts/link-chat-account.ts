import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import type { IdentityProvider } from '#core/infra/db/generated/enums';
import type { Platform } from '#core/accounts/account';
import { webAccountLabel } from '#core/accounts/account-label';
import { hashToken, LINK_TOKEN_TTL_MS } from '#core/accounts/create-link-token';
import { notifyChatIdentity } from '#core/accounts/notify-chat-identity';
import { consumeOneTimeToken, issueOneTimeToken, peekOneTimeToken } from '#core/accounts/one-time-token';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { textReply } from '#core/chat/reply';

const CHAT_PLATFORMS: readonly string[] = ['telegram', 'discord'];

/** The chat account a `/link/<token>` address would join, as the page names it. */
export type LinkRequest = {
  platform: Platform;
  platformUserId: string;
  username: string | undefined;
  displayName: string | undefined;
};

/** What the confirmation on the web did. */
export type WebLinkOutcome =
  /** The chat got a message with a confirm button naming this account; nothing is joined yet. */
  | { outcome: 'awaiting_chat'; request: LinkRequest }
  /** The chat account already is this account's. */
  | { outcome: 'already_linked'; request: LinkRequest }
  /** The confirmation could not be sent into the chat (no private chat with the bot, bot blocked). */
  | { outcome: 'chat_unreachable'; request: LinkRequest };

/** The payload of the confirm button's token (`account_link_confirm`), owned by the chat account. */
export type LinkConfirmPayload = { platform: Platform; platformUserId: string; webUserId: string };

function requestOf(payload: Record<string, unknown>): LinkRequest | undefined {
  const { platform, platformUserId, username, displayName } = payload;
  if (typeof platform !== 'string' || !CHAT_PLATFORMS.includes(platform) || typeof platformUserId !== 'string')
    return undefined;
  return {
    platform: platform as Platform,
    platformUserId,
    username: typeof username === 'string' && username ? username : undefined,
    displayName: typeof displayName === 'string' && displayName ? displayName : undefined,
  };
}

/** What a `/link/<token>` address is about (platform, username, display name), while it is usable. */
export async function describeLinkToken(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  token: string,
): Promise<LinkRequest | undefined> {
  const found = await peekOneTimeToken(deps.prisma, { kind: 'account_link', token, now: deps.clock.now() });
  return found ? requestOf(found.payload) : undefined;
}

/**
 * The website half of linking: the signed-in person confirmed the page that names the chat
 * account. Uses the `/link` token up, and sends into that chat a message naming this website
 * account with a confirm button (a token of its own, 10 minutes, single use); the accounts are
 * joined only when that button is pressed (`confirmLinkInChat`). Throws `token_invalid` for an
 * unusable token and `conflict` when the chat account is itself a website account.
 */
export async function confirmLinkOnWeb(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'notifiers' | 'logger'>,
  input: { token: string; userId: string; origin: RequestOrigin },
): Promise<WebLinkOutcome> {
  const now = deps.clock.now();
  const found = await peekOneTimeToken(deps.prisma, { kind: 'account_link', token: input.token, now });
  const request = found ? requestOf(found.payload) : undefined;
  if (!found || !request) throw new AppError('token_invalid');
  const identity = await deps.prisma.identity.findUnique({
    where: { provider_subject: { provider: request.platform as IdentityProvider, subject: request.platformUserId } },
    select: {
      userId: true,
      user: {
        select: {
          email: true,
          passwordHash: true,
          locale: true,
          settings: true,
          identities: { where: { provider: { in: ['google', 'email'] } }, select: { id: true } },
        },
      },
    },
  });
  if (!identity) throw new AppError('token_invalid');
  if (identity.userId === input.userId) {
    await consumeOneTimeToken(deps.prisma, { kind: 'account_link', token: input.token, now });
    return { outcome: 'already_linked', request };
  }
  const chatUser = identity.user;
  if (chatUser.email !== null || chatUser.passwordHash !== null || chatUser.identities.length > 0)
    throw new AppError('conflict', { message: 'the chat account is itself a web account' });
  const webUser = await deps.prisma.user.findUnique({
    where: { id: input.userId },
    select: { displayName: true, email: true, status: true },
  });
  if (!webUser || webUser.status === 'deleted') throw new AppError('token_invalid');

  const confirmToken = await deps.prisma.$transaction(async (tx) => {
    if (!(await consumeOneTimeToken(tx, { kind: 'account_link', token: input.token, now })))
      throw new AppError('token_invalid');
    const payload: LinkConfirmPayload = {
      platform: request.platform,
      platformUserId: request.platformUserId,
      webUserId: input.userId,
    };
    return issueOneTimeToken(tx, {
      kind: 'account_link_confirm',
      userId: identity.userId,
      payload,
      now,
      ttlMs: LINK_TOKEN_TTL_MS,
    });
  });
  const settings = chatUser.settings as { locale?: string } | null;
  const isSent = await notifyChatIdentity(
    deps,
    { platform: request.platform, platformUserId: request.platformUserId, locale: settings?.locale ?? chatUser.locale },
    [
      textReply(
        'link.confirm_prompt',
        { account: webAccountLabel(webUser), platform: `{web.platform.${request.platform}}` },
        {
          buttons: [
            [
              { label: { key: 'link.confirm_button' }, action: { name: 'confirm_link', arg: confirmToken } },
              { label: { key: 'link.cancel_button' }, action: { name: 'cancel_link', arg: confirmToken } },
            ],
          ],
        },
      ),
    ],
  );
  if (!isSent) {
    await deps.prisma.oneTimeToken.updateMany({
      where: { tokenHash: hashToken(confirmToken), usedAt: null },
      data: { usedAt: now },
    });
    return { outcome: 'chat_unreachable', request };
  }
  await recordSecurityEvent(deps.prisma, {
    userId: input.userId,
    kind: 'identity.link_requested',
    origin: input.origin,
    details: { provider: request.platform },
  });
  return { outcome: 'awaiting_chat', request };
}
