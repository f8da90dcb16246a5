import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { withAccountLock } from '#core/credits/ledger-transaction';
import type { IdentityProvider } from '#core/infra/db/generated/enums';
import type { Platform } from '#core/accounts/account';
import { webAccountLabel } from '#core/accounts/account-label';
import { notifyChatIdentity } from '#core/accounts/notify-chat-identity';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { textReply } from '#core/chat/reply';

/** What removing an identity from the account page did. */
export type RemoveIdentityOutcome =
  | { outcome: 'removed'; provider: IdentityProvider; username: string | null }
  /** It is the account's last way to sign in on the website: refused, nothing changed. */
  | { outcome: 'last_sign_in'; provider: IdentityProvider };

const CHAT_PROVIDERS: readonly IdentityProvider[] = ['telegram', 'discord'];

/**
 * Removes one identity from the signed-in account (the account page's "Remove").
 *
 * - A chat identity (Telegram, Discord) is detached: it becomes a new, empty chat account of its
 *   own. Credits, creations, payments and history stay with this account (they cannot be told
 *   apart after a merge); a suspension running on this account is copied to the new one, so
 *   detaching never lifts it. The chat is told which website account it left.
 * - A Google sign-in is removed only while the account has a password: the last way to sign in
 *   on the website is refused (`last_sign_in`).
 *
 * Throws `not_found` for an identity that is not this account's.
 */
export async function removeIdentity(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'notifiers' | 'logger'>,
  input: { userId: string; identityId: string; origin: RequestOrigin },
): Promise<RemoveIdentityOutcome> {
  if (!/^[0-9a-f-]{36}$/i.test(input.identityId)) throw new AppError('not_found');
  const now = deps.clock.now();
  const result = await withAccountLock(deps.prisma, input.userId, async (tx) => {
    const identity = await tx.identity.findUnique({ where: { id: input.identityId } });
    if (!identity || identity.userId !== input.userId) throw new AppError('not_found');
    const user = await tx.user.findUniqueOrThrow({ where: { id: input.userId } });
    if (!CHAT_PROVIDERS.includes(identity.provider)) {
      const otherWebSignIns = await tx.identity.count({
        where: { userId: input.userId, provider: { in: ['google', 'email'] }, id: { not: identity.id } },
      });
      if (user.passwordHash === null && otherWebSignIns === 0)
        return { outcome: 'last_sign_in' as const, provider: identity.provider };
      await tx.identity.delete({ where: { id: identity.id } });
    } else {
      const isSuspended = user.status === 'suspended' && (user.suspendedUntil === null || user.suspendedUntil > now);
      const detached = await tx.user.create({
        data: {
          locale: user.locale,
          isProcessingRestricted: user.isProcessingRestricted,
          hasObjectedToAnalytics: user.hasObjectedToAnalytics,
          ...(isSuspended
            ? {
                status: 'suspended' as const,
                suspendedUntil: user.suspendedUntil,
                suspendedReason: user.suspendedReason,
              }
            : {}),
        },
        select: { id: true },
      });
      if (isSuspended) {
        const running = await tx.suspension.findMany({
          where: { userId: input.userId, liftedAt: null, OR: [{ endsAt: null }, { endsAt: { gt: now } }] },
        });
        for (const suspension of running) {
          await tx.suspension.create({
            data: {
              userId: detached.id,
              reason: suspension.reason,
              category: suspension.category,
              startsAt: suspension.startsAt,
              endsAt: suspension.endsAt,
            },
          });
        }
      }
      await tx.identity.update({ where: { id: identity.id }, data: { userId: detached.id } });
      await tx.auditLog.create({
        data: {
          actor: `user:${input.userId}`,
          action: 'account.identity_detached',
          targetUserId: input.userId,
          details: { provider: identity.provider, detachedUserId: detached.id },
        },
      });
    }
    await recordSecurityEvent(tx, {
      userId: input.userId,
      kind: 'identity.removed',
      origin: input.origin,
      details: { provider: identity.provider },
    });
    return {
      outcome: 'removed' as const,
      provider: identity.provider,
      username: identity.username,
      subject: identity.subject,
      label: webAccountLabel(user),
      locale: (user.settings as { locale?: string } | null)?.locale ?? user.locale,
    };
  });
  if (result.outcome === 'last_sign_in') return result;
  if (CHAT_PROVIDERS.includes(result.provider)) {
    await notifyChatIdentity(
      deps,
      { platform: result.provider as Platform, platformUserId: result.subject, locale: result.locale },
      [textReply('link.detached', { account: result.label, platform: `{web.platform.${result.provider}}` })],
    );
  }
  return { outcome: 'removed', provider: result.provider, username: result.username };
}
