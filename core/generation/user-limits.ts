import { findPlan, type Catalog } from '#core/catalog/catalog';
import type { CoreDeps } from '#core/core-deps';

export type UserLimits = { planId: string | undefined; concurrency: number; minSpacingMs: number; priority: number };

/** The limits of a user's active plan, or the free limits. */
export async function limitsFor(deps: Pick<CoreDeps, 'prisma' | 'catalog'>, userId: string, now: Date): Promise<UserLimits> {
  const subscription = await deps.prisma.subscription.findFirst({
    where: { userId, status: { in: ['active', 'trialing'] }, OR: [{ currentPeriodEnd: null }, { currentPeriodEnd: { gt: now } }] },
    select: { planId: true },
    orderBy: { createdAt: 'desc' },
  });
  return limitsOfPlan(deps.catalog, subscription?.planId);
}

/** The limits of a plan by id (an active subscription's), or the free limits for none or an unknown one. */
export function limitsOfPlan(catalog: Catalog, planId: string | null | undefined): UserLimits {
  const plan = planId ? findPlan(catalog, planId) : undefined;
  return { planId: plan?.id, ...(plan?.limits ?? catalog.freeLimits) };
}
