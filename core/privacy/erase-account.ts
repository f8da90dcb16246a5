import type { CoreDeps } from '#core/core-deps';
import {
  claimBonusMarks,
  hashIdentities,
  identitiesOfAccount,
  markSuspendedIdentities,
} from '#core/accounts/identity-marks';
import { deleteErasedMedia } from '#core/privacy/delete-erased-media';
import { deleteStripeCustomers } from '#core/privacy/delete-stripe-customers';

/**
 * Erases an account (GDPR erasure): prompts, generations, media files (listed in
 * `media_erasures` in the same transaction, so files the media store cannot delete now are
 * deleted by the retention job later), identities, sessions,
 * tokens, credits and events go, as do the free text of the account's data requests and the
 * mails to its addresses still in the outbox; its Stripe customer is deleted at Stripe (when
 * Stripe cannot be reached, the erasure still completes here and the retention job retries the
 * deletion). Payment records stay for tax law with the user unlinked and marked anonymized. The
 * request is recorded without personal data. A suspension that has not ended outlives the
 * account as keyed hashes of its identities (`suspension_marks`), and an account that had the
 * signup bonus leaves every current identity in `bonus_marks`.
 * Erasing an account that is already gone changes nothing.
 */
export async function eraseAccount(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'media' | 'logger' | 'config' | 'mailer' | 'stripe'>,
  userId: string,
  input: { actor: string; channel: string },
): Promise<'erased' | 'already_erased'> {
  const { prisma } = deps;
  const now = deps.clock.now();
  const erased = await prisma.$transaction(async (tx) => {
    const [user] = await tx.$queryRaw<{ status: string; suspendedUntil: Date | null; email: string | null }[]>`
      SELECT status, "suspendedUntil", email FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
    if (!user) return undefined;
    const hashes = hashIdentities(deps.config.sessionSecret, await identitiesOfAccount(tx, userId));
    if (user.status === 'suspended' && (user.suspendedUntil === null || user.suspendedUntil > now)) {
      await markSuspendedIdentities(tx, hashes, user.suspendedUntil);
    }
    // Identities added after the bonus (a linked Google account, a changed email) are marked too.
    if ((await tx.creditLot.count({ where: { userId, source: 'signup_bonus' } })) > 0)
      await claimBonusMarks(tx, hashes);
    const media = await tx.mediaAsset.findMany({ where: { userId }, select: { storageKey: true } });
    const requests = await tx.dataSubjectRequest.findMany({
      where: { userId, email: { not: null } },
      select: { email: true },
    });
    if (media.length > 0)
      await tx.mediaErasure.createMany({
        data: media.map((asset) => ({ storageKey: asset.storageKey })),
        skipDuplicates: true,
      });
    const customer = await tx.stripeCustomer.findUnique({ where: { userId }, select: { customerId: true } });
    if (customer)
      await tx.stripeCustomerErasure.createMany({ data: [{ customerId: customer.customerId }], skipDuplicates: true });
    await tx.payment.updateMany({ where: { userId }, data: { userId: null, anonymizedAt: now, details: {} } });
    await tx.dataSubjectRequest.updateMany({ where: { userId }, data: { email: null, details: {} } });
    await tx.dataSubjectRequest.create({
      data: {
        userId: null,
        kind: 'erase',
        status: 'completed',
        channel: input.channel,
        completedAt: now,
        outcome: 'erased',
      },
    });
    await tx.auditLog.create({
      data: { actor: input.actor, action: 'privacy.erase', targetUserId: userId, details: { channel: input.channel } },
    });
    await tx.user.delete({ where: { id: userId } });
    const addresses = [
      ...new Set(
        [user.email, ...requests.map((request) => request.email)]
          .filter((address): address is string => address !== null)
          .map((address) => address.toLowerCase()),
      ),
    ];
    return { keys: media.map((asset) => asset.storageKey), addresses, customerId: customer?.customerId };
  });
  if (!erased) return 'already_erased';
  // The account is gone; files left here are in media_erasures for the retention job.
  if (erased.keys.length > 0) {
    await deleteErasedMedia(deps, erased.keys).catch((error: unknown) =>
      deps.logger.error({ err: error }, 'could not delete an erased account’s media files; the retention job retries'),
    );
  }
  for (const address of erased.addresses) {
    await deps.mailer
      .forgetRecipient?.(address)
      .catch((error: unknown) =>
        deps.logger.error({ err: error }, 'could not delete an erased account’s mail from the outbox'),
      );
  }
  if (erased.customerId) await deleteStripeCustomers(deps, deps.stripe, [erased.customerId]);
  return 'erased';
}
