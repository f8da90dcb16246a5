import type { PrismaClient } from '#core/infra/db/create-database';
import { ACCOUNT_SELECT, identityProviderOf, toAccount, type Account, type Platform } from '#core/accounts/account';
import { normalizeLocale } from '#core/i18n/locales';
import { inheritedSuspensionData } from '#core/moderation/inherit-suspension';

export type ChatActor = {
  platform: Platform;
  platformUserId: string;
  locale?: string | undefined;
  username?: string | undefined;
};

/**
 * The account behind a chat identity, created on first contact. Only the identity and the
 * platform's language are stored until the user accepts the terms. Safe under concurrent first
 * messages: the unique identity makes one of them win and the other re-read. A new account on an
 * identity whose earlier account was suspended (a suspension mark, keyed with `marks.secret`)
 * starts suspended until that suspension ends.
 */
export async function findOrCreateAccount(
  prisma: PrismaClient,
  actor: ChatActor,
  marks: { secret: string; now: Date },
): Promise<{ account: Account; isNew: boolean }> {
  const provider = identityProviderOf(actor.platform);
  // The user by its identity in one query (EXISTS on the unique identity), not identity then user:
  // every chat command starts here.
  const where = { identities: { some: { provider, subject: actor.platformUserId } } };
  const existing = await prisma.user.findFirst({ where, select: ACCOUNT_SELECT });
  if (existing) return { account: toAccount(existing), isNew: false };
  try {
    const inherited = await inheritedSuspensionData(
      prisma,
      marks.secret,
      [{ provider, subject: actor.platformUserId }],
      marks.now,
    );
    const user = await prisma.user.create({
      data: {
        ...inherited,
        locale: normalizeLocale(actor.locale),
        identities: { create: { provider, subject: actor.platformUserId, username: actor.username ?? null } },
      },
      select: ACCOUNT_SELECT,
    });
    return { account: toAccount(user), isNew: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await prisma.user.findFirstOrThrow({ where, select: ACCOUNT_SELECT });
    return { account: toAccount(winner), isNew: false };
  }
}

/** Whether a Prisma error is a unique-constraint violation (P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
