import { findPlan } from '#core/catalog/catalog';
import type { CoreDeps } from '#core/core-deps';

export type UserLimits = { planId: string | undefined; concurrency: number; minSpacingMs: number; priority: number };

/** The limits of a user's active plan, or the free limits. */
export async function limitsFor(deps: Pick<CoreDeps, 'prisma' | 'catalog'>, userId: string, now: Date): Promise<UserLimits> {
  const subscription = await deps.prisma.subscription.findFirst({
    where: { userId, status: { in: ['active', 'trialing'] }, OR: [{ currentPeriodEnd: null }, { currentPeriodEnd: { gt: now } }] },
    select: { planId: true },
    orderBy: { createdAt: 'desc' },
  });
  const plan = subscription ? findPlan(deps.catalog, subscription.planId) : undefined;
  return { planId: plan?.id, ...(plan?.limits ?? deps.catalog.freeLimits) };
}
