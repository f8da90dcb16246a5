import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';

/** The Stripe Customer Portal address for managing the plan and payment method; `not_found` without a Stripe customer. */
export async function createBillingPortalUrl(
  deps: Pick<CoreDeps, 'prisma' | 'config' | 'logger'>,
  stripe: Stripe | undefined,
  userId: string,
): Promise<string> {
  if (!stripe) throw new AppError('payments_unavailable');
  const customer = await deps.prisma.stripeCustomer.findUnique({ where: { userId } });
  if (!customer) throw new AppError('not_found');
  try {
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.customerId,
      return_url: `${deps.config.publicUrl}/account`,
    });
    return session.url;
  } catch (error) {
    deps.logger.error({ err: error }, 'stripe portal failed');
    throw new AppError('payments_unavailable', { cause: error });
  }
}
