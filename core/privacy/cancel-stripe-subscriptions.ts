import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';

/**
 * Cancels at Stripe every subscription of an account that can still bill, before the account is
 * erased (an erased account must not keep being charged). Throws `payments_unavailable` when
 * Stripe cannot be reached, so the erasure is retried rather than leaving a live subscription.
 */
export async function cancelStripeSubscriptions(
  deps: Pick<CoreDeps, 'prisma' | 'logger'>,
  stripe: Stripe | undefined,
  userId: string,
): Promise<number> {
  const live = await deps.prisma.subscription.findMany({
    where: { userId, status: { notIn: ['canceled', 'incomplete_expired'] } },
    select: { stripeSubscriptionId: true },
  });
  if (live.length === 0) return 0;
  if (!stripe) throw new AppError('payments_unavailable', { message: 'cannot cancel subscriptions without Stripe' });
  for (const { stripeSubscriptionId } of live) {
    try {
      await stripe.subscriptions.cancel(stripeSubscriptionId);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'resource_missing') continue;
      deps.logger.error({ err: error, stripeSubscriptionId }, 'could not cancel a subscription before erasure');
      throw new AppError('payments_unavailable', { cause: error });
    }
  }
  return live.length;
}
