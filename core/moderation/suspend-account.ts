import type { AppConfig } from '#core/config/load-config';
import type { CoreDeps } from '#core/core-deps';
import {
  clearSuspensionMarks,
  hashIdentities,
  identitiesOfAccount,
  markSuspendedIdentities,
} from '#core/accounts/identity-marks';

/** What suspending needs: the database, and the secret the identity marks are keyed with. */
export type SuspendDeps = Pick<CoreDeps, 'prisma'> & { config: Pick<AppConfig, 'sessionSecret'> };

/**
 * Suspends generation for an account until `until` (null = until an admin lifts it), recorded
 * and audited. The account's identities are marked (keyed hashes in `suspension_marks`) until
 * the same end, so erasing the account and starting again does not end the suspension.
 */
export async function suspendAccount(
  deps: SuspendDeps,
  input: { userId: string; reason: string; category?: string; until: Date | null; actor: string },
): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    await tx.suspension.create({
      data: { userId: input.userId, reason: input.reason, category: input.category ?? null, endsAt: input.until },
    });
    await tx.user.update({
      where: { id: input.userId },
      data: { status: 'suspended', suspendedReason: input.reason, suspendedUntil: input.until },
    });
    await markSuspendedIdentities(
      tx,
      hashIdentities(deps.config.sessionSecret, await identitiesOfAccount(tx, input.userId)),
      input.until,
    );
    await tx.auditLog.create({
      data: {
        actor: input.actor,
        action: 'account.suspend',
        targetUserId: input.userId,
        details: { reason: input.reason, category: input.category ?? null, until: input.until?.toISOString() ?? null },
      },
    });
  });
}

/** Lifts every open suspension of an account (admin action), removes its identities' suspension marks, audited. */
export async function liftSuspension(
  deps: SuspendDeps & Pick<CoreDeps, 'clock'>,
  input: { userId: string; actor: string },
): Promise<void> {
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    await tx.suspension.updateMany({
      where: { userId: input.userId, liftedAt: null },
      data: { liftedAt: now, liftedBy: input.actor },
    });
    await tx.user.update({
      where: { id: input.userId },
      data: { status: 'active', suspendedReason: null, suspendedUntil: null },
    });
    const cleared = await clearSuspensionMarks(
      tx,
      hashIdentities(deps.config.sessionSecret, await identitiesOfAccount(tx, input.userId)),
    );
    await tx.auditLog.create({
      data: {
        actor: input.actor,
        action: 'account.unsuspend',
        targetUserId: input.userId,
        details: { clearedMarks: cleared },
      },
    });
  });
}
