import { findPlan, type Catalog } from '#core/catalog/catalog';
import { AppError } from '#core/errors/app-error';
import { Prisma } from '#core/infra/db/create-database';

export type UserLimits = { planId: string | undefined; concurrency: number; minSpacingMs: number; priority: number };

/**
 * The plan id of the user's current subscription (active or trialing, period not over; the newest
 * if several), as a scalar subquery on `userId` (a uuid expression): the one rule for which plan
 * applies, read next to other things by /balance, admission and the requeue of open jobs.
 */
export function activePlanIdSql(userId: Prisma.Sql, now: Date): Prisma.Sql {
  return Prisma.sql`(SELECT "planId" FROM subscriptions
    WHERE "userId" = ${userId} AND status IN ('active', 'trialing') AND ("currentPeriodEnd" IS NULL OR "currentPeriodEnd" > ${now})
    ORDER BY "createdAt" DESC LIMIT 1)`;
}

/** The limits of a plan by id (an active subscription's), or the free limits for none or an unknown one. */
export function limitsOfPlan(catalog: Catalog, planId: string | null | undefined): UserLimits {
  const plan = planId ? findPlan(catalog, planId) : undefined;
  return { planId: plan?.id, ...(plan?.limits ?? catalog.freeLimits) };
}

/**
 * Refuses an admission that comes sooner than the plan's `minSpacingMs` after the user's
 * previous admitted generation (`lastAdmittedAt`, its `createdAt`), with `rate_limited` naming
 * the whole seconds left to wait, as the burst throttle does. Every generation the user was
 * admitted counts, whatever became of it, including one whose enqueueing failed: spacing is
 * about how often a user is admitted, and a queue that just failed is no better a second later.
 * Refusals write no generation, so they never push the next allowed time further out. The wait
 * named is at most the spacing, even if another process's clock ran ahead when it wrote the row.
 */
export function assertSpacing(limits: Pick<UserLimits, 'minSpacingMs'>, lastAdmittedAt: Date | null, now: Date): void {
  if (limits.minSpacingMs <= 0 || !lastAdmittedAt) return;
  if (lastAdmittedAt.getTime() + limits.minSpacingMs > now.getTime())
    throw rateLimitedError(limits.minSpacingMs, lastAdmittedAt, now);
}

/**
 * `rate_limited` for an admission within `minSpacingMs` of `lastAdmittedAt`: the whole seconds
 * left, at least 1 and at most the spacing (the whole spacing when the last admission is unknown).
 */
export function rateLimitedError(minSpacingMs: number, lastAdmittedAt: Date | null, now: Date): AppError {
  const waitMs = lastAdmittedAt ? lastAdmittedAt.getTime() + minSpacingMs - now.getTime() : minSpacingMs;
  return new AppError('rate_limited', {
    vars: { seconds: Math.max(1, Math.ceil(Math.min(waitMs, minSpacingMs) / 1000)) },
  });
}
