import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import type { IdentityProvider } from '#core/infra/db/generated/enums';
import { hashToken } from '#core/accounts/create-link-token';
import { mergeAccounts, type MergeResult } from '#core/accounts/merge-accounts';
import { peekOneTimeToken } from '#core/accounts/one-time-token';
import type { RequestOrigin } from '#core/accounts/record-security-event';

const CHAT_PLATFORMS: readonly string[] = ['telegram', 'discord'];

/** What a `/link/<token>` address is about, for the confirmation page. */
export async function describeLinkToken(deps: Pick<CoreDeps, 'prisma' | 'clock'>, token: string): Promise<{ platform: 'telegram' | 'discord' } | undefined> {
  const found = await peekOneTimeToken(deps.prisma, { kind: 'account_link', token, now: deps.clock.now() });
  const platform = found?.payload.platform;
  return typeof platform === 'string' && CHAT_PLATFORMS.includes(platform) ? { platform: platform as 'telegram' | 'discord' } : undefined;
}

/**
 * Joins the chat identity named by a `/link` token (made by the bot, 10 minutes, single use) to
 * the signed-in web account, merging the chat account into it. `already_linked` when the
 * identity already belongs to that account. Throws `token_invalid` or the merge's `conflict`.
 */
export async function linkChatAccount(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { token: string; userId: string; origin: RequestOrigin },
): Promise<{ outcome: 'linked'; merged: MergeResult; platform: string } | { outcome: 'already_linked'; platform: string }> {
  const found = await peekOneTimeToken(deps.prisma, { kind: 'account_link', token: input.token, now: deps.clock.now() });
  const platform = found?.payload.platform;
  const platformUserId = found?.payload.platformUserId;
  if (!found || typeof platform !== 'string' || !CHAT_PLATFORMS.includes(platform) || typeof platformUserId !== 'string') throw new AppError('token_invalid');
  const identity = await deps.prisma.identity.findUnique({
    where: { provider_subject: { provider: platform as IdentityProvider, subject: platformUserId } },
    select: { userId: true },
  });
  if (!identity) throw new AppError('token_invalid');
  if (identity.userId === input.userId) {
    await deps.prisma.oneTimeToken.updateMany({ where: { tokenHash: hashToken(input.token), usedAt: null }, data: { usedAt: deps.clock.now() } });
    return { outcome: 'already_linked', platform };
  }
  const merged = await mergeAccounts(deps, { fromUserId: identity.userId, intoUserId: input.userId, actor: `user:${input.userId}`, origin: input.origin });
  // The token belonged to the merged account and went with it; a token of another owner is used up here.
  await deps.prisma.oneTimeToken.updateMany({ where: { tokenHash: hashToken(input.token), usedAt: null }, data: { usedAt: deps.clock.now() } });
  return { outcome: 'linked', merged, platform };
}
