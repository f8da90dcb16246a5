import type { CoreDeps } from '#core/core-deps';

/** Suspends generation for an account until `until` (null = until an admin lifts it), recorded and audited. */
export async function suspendAccount(deps: Pick<CoreDeps, 'prisma'>, input: { userId: string; reason: string; category?: string; until: Date | null; actor: string }): Promise<void> {
  await deps.prisma.$transaction([
    deps.prisma.suspension.create({ data: { userId: input.userId, reason: input.reason, category: input.category ?? null, endsAt: input.until } }),
    deps.prisma.user.update({ where: { id: input.userId }, data: { status: 'suspended', suspendedReason: input.reason, suspendedUntil: input.until } }),
    deps.prisma.auditLog.create({ data: { actor: input.actor, action: 'account.suspend', targetUserId: input.userId, details: { reason: input.reason, category: input.category ?? null, until: input.until?.toISOString() ?? null } } }),
  ]);
}

/** Lifts every open suspension of an account (admin action), audited. */
export async function liftSuspension(deps: Pick<CoreDeps, 'prisma' | 'clock'>, input: { userId: string; actor: string }): Promise<void> {
  const now = deps.clock.now();
  await deps.prisma.$transaction([
    deps.prisma.suspension.updateMany({ where: { userId: input.userId, liftedAt: null }, data: { liftedAt: now, liftedBy: input.actor } }),
    deps.prisma.user.update({ where: { id: input.userId }, data: { status: 'active', suspendedReason: null, suspendedUntil: null } }),
    deps.prisma.auditLog.create({ data: { actor: input.actor, action: 'account.unsuspend', targetUserId: input.userId } }),
  ]);
}
