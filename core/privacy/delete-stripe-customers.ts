import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';

/**
 * Deletes at Stripe the customers of erased accounts waiting in `stripe_customer_erasures`
 * (only `customerIds` when given; the erasure passes its own, the retention job all of them).
 * A customer Stripe deleted, or no longer knows (`resource_missing`), leaves the list; any
 * other failure (Stripe down, no client configured) keeps it there with the error, for the
 * next retention run. Payment records are untouched (they stay, anonymized, for tax law).
 * See https://docs.stripe.com/api/customers/delete.
 */
export async function deleteStripeCustomers(
  deps: Pick<CoreDeps, 'prisma' | 'logger'>,
  stripe: Stripe | undefined,
  customerIds?: readonly string[],
): Promise<{ deleted: number; pending: number }> {
  const waiting = await deps.prisma.stripeCustomerErasure.findMany({
    where: customerIds ? { customerId: { in: [...customerIds] } } : {},
    orderBy: { createdAt: 'asc' },
    take: 100,
  });
  let deleted = 0;
  for (const { customerId } of waiting) {
    try {
      if (!stripe) throw new Error('Stripe is not configured (STRIPE_SECRET_KEY)');
      await stripe.customers.del(customerId);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'resource_missing') {
        deps.logger.warn(
          { err: error, customerId },
          'could not delete an erased account’s Stripe customer; the retention job retries',
        );
        await deps.prisma.stripeCustomerErasure.updateMany({
          where: { customerId },
          data: { attempts: { increment: 1 }, lastError: String((error as Error).message ?? error).slice(0, 500) },
        });
        continue;
      }
    }
    await deps.prisma.stripeCustomerErasure.deleteMany({ where: { customerId } });
    deleted += 1;
  }
  return { deleted, pending: waiting.length - deleted };
}
