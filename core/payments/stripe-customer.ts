import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { isUniqueViolation } from '#core/accounts/find-or-create-account';

/**
 * The user's one Stripe customer, created on first checkout and stored in StripeCustomer. The
 * idempotency key makes a retried or concurrent first call create one customer, not two.
 * Stripe receives the account's email (for receipts) and id, nothing else.
 */
export async function ensureStripeCustomer(
  deps: Pick<CoreDeps, 'prisma'>,
  stripe: Stripe,
  userId: string,
): Promise<string> {
  const existing = await deps.prisma.stripeCustomer.findUnique({ where: { userId } });
  if (existing) return existing.customerId;
  const user = await deps.prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } });
  const customer = await stripe.customers.create(
    { ...(user.email ? { email: user.email } : {}), metadata: { userId } },
    { idempotencyKey: `customer:${userId}:${user.email ?? ''}` },
  );
  try {
    await deps.prisma.stripeCustomer.create({ data: { userId, customerId: customer.id } });
    return customer.id;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return (await deps.prisma.stripeCustomer.findUniqueOrThrow({ where: { userId } })).customerId;
  }
}
