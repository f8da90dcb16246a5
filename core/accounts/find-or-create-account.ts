import type { PrismaClient } from '#core/infra/db/create-database';
import { ACCOUNT_SELECT, identityProviderOf, toAccount, type Account, type Platform } from '#core/accounts/account';
import { normalizeLocale } from '#core/i18n/locales';

export type ChatActor = { platform: Platform; platformUserId: string; locale?: string | undefined; username?: string | undefined };

/**
 * The account behind a chat identity, created on first contact. Only the identity and the
 * platform's language are stored until the user accepts the terms. Safe under concurrent first
 * messages: the unique identity makes one of them win and the other re-read.
 */
export async function findOrCreateAccount(prisma: PrismaClient, actor: ChatActor): Promise<{ account: Account; isNew: boolean }> {
  const provider = identityProviderOf(actor.platform);
  const where = { provider_subject: { provider, subject: actor.platformUserId } };
  const existing = await prisma.identity.findUnique({ where, select: { user: { select: ACCOUNT_SELECT } } });
  if (existing) return { account: toAccount(existing.user), isNew: false };
  try {
    const user = await prisma.user.create({
      data: {
        locale: normalizeLocale(actor.locale),
        identities: { create: { provider, subject: actor.platformUserId, username: actor.username ?? null } },
      },
      select: ACCOUNT_SELECT,
    });
    return { account: toAccount(user), isNew: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await prisma.identity.findUniqueOrThrow({ where, select: { user: { select: ACCOUNT_SELECT } } });
    return { account: toAccount(winner.user), isNew: false };
  }
}

/** Whether a Prisma error is a unique-constraint violation (P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
