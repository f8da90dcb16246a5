import type { CoreDeps } from '#core/core-deps';
import { hashIdentities, identitiesOfAccount, markSuspendedIdentities } from '#core/accounts/identity-marks';

/**
 * Erases an account (GDPR erasure): prompts, generations, media files, identities, sessions,
 * tokens, credits and events go; payment records stay for tax law with the user unlinked and
 * marked anonymized. The request is recorded without personal data. A suspension that has not
 * ended outlives the account as keyed hashes of its identities (`suspension_marks`), and so do
 * the bonus marks. Erasing an account that is already gone changes nothing.
 */
export async function eraseAccount(deps: Pick<CoreDeps, 'prisma' | 'clock' | 'media' | 'logger' | 'config'>, userId: string, input: { actor: string; channel: string }): Promise<'erased' | 'already_erased'> {
  const { prisma } = deps;
  const now = deps.clock.now();
  const keys = await prisma.$transaction(async (tx) => {
    const [user] = await tx.$queryRaw<{ status: string; suspendedUntil: Date | null }[]>`
      SELECT status, "suspendedUntil" FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
    if (!user) return undefined;
    if (user.status === 'suspended' && (user.suspendedUntil === null || user.suspendedUntil > now)) {
      await markSuspendedIdentities(tx, hashIdentities(deps.config.sessionSecret, await identitiesOfAccount(tx, userId)), user.suspendedUntil);
    }
    const media = await tx.mediaAsset.findMany({ where: { userId }, select: { storageKey: true } });
    await tx.payment.updateMany({ where: { userId }, data: { userId: null, anonymizedAt: now, details: {} } });
    await tx.dataSubjectRequest.updateMany({ where: { userId }, data: { email: null } });
    await tx.dataSubjectRequest.create({ data: { userId: null, kind: 'erase', status: 'completed', channel: input.channel, completedAt: now, outcome: 'erased' } });
    await tx.auditLog.create({ data: { actor: input.actor, action: 'privacy.erase', targetUserId: userId, details: { channel: input.channel } } });
    await tx.user.delete({ where: { id: userId } });
    return media.map((asset) => asset.storageKey);
  });
  if (!keys) return 'already_erased';
  for (const key of keys) {
    await deps.media.delete(key).catch((error: unknown) => deps.logger.error({ err: error, key }, 'could not delete an erased media file'));
  }
  return 'erased';
}
