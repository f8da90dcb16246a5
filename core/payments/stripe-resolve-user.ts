import type { PrismaClient } from '#core/infra/db/create-database';
import type { Tx } from '#core/credits/ledger-transaction';

/**
 * The account a Stripe object's `userId` metadata names. When that account was merged into
 * another by `/link` after the checkout began, the audit log's merge record leads to the account
 * that holds it now. Undefined when there is none (erased).
 */
export async function resolveUserId(
  prisma: Pick<Tx, 'user' | 'auditLog'>,
  candidate: string | null | undefined,
): Promise<string | undefined> {
  let id = candidate ?? undefined;
  for (let hop = 0; hop < 5 && id && /^[0-9a-f-]{36}$/.test(id); hop += 1) {
    const user = await prisma.user.findUnique({ where: { id }, select: { id: true, status: true } });
    if (user) return user.status === 'deleted' ? undefined : user.id;
    const merge = await prisma.auditLog.findFirst({
      where: { action: 'account.merge', details: { path: ['from'], equals: id } },
      select: { targetUserId: true },
    });
    id = merge?.targetUserId ?? undefined;
  }
  return undefined;
}

/** The account of a Stripe customer, from our StripeCustomer table. */
export async function userIdOfCustomer(
  prisma: PrismaClient,
  customer: string | { id: string } | null,
): Promise<string | undefined> {
  const customerId = typeof customer === 'string' ? customer : customer?.id;
  if (!customerId) return undefined;
  return (await prisma.stripeCustomer.findUnique({ where: { customerId }, select: { userId: true } }))?.userId;
}
