import type { PrismaClient } from '#core/infra/db/create-database';
import { clawBackCredits } from '#core/credits/claw-back-credits';
import { grantCredits } from '#core/credits/grant-credits';
import { resolveUserId } from '#core/payments/stripe-resolve-user';

const SIDES = ['invitee', 'inviter'] as const;

/**
 * Brings the referral credits a purchase gave (both sides) in line with what is left of that
 * purchase: `share` is the part of it taken back (1 after a full refund, an open dispute or when
 * the two sides turn out to be one person; the refunded fraction after a partial refund; 0 again
 * when a dispute is won). Each side's reward is taken back down to `round(reward × (1 - share))`
 * like the purchase's own credits (`clawBackCredits`: a debt where they were spent), or given back
 * up to it (a won dispute). What was taken so far is read from the ledger, so a repeated or
 * out-of-order event moves nothing more; `eventKey` names the event in the keys
 * (`referral-clawback:<payment>:<event>:<side>`, `referral-restore:<payment>:<event>:<side>`).
 * An account erased since is skipped; the other side still is. Returns the credits taken back now
 * (including what became a debt).
 */
export async function clawBackReferral(
  prisma: PrismaClient,
  input: { paymentId: string; share: number; eventKey: string; actor: string; now: Date },
): Promise<number> {
  const share = Math.min(1, Math.max(0, input.share));
  let total = 0;
  for (const side of SIDES) {
    // Found by the purchase in its key, not through the payment's details: erasing the invitee
    // empties those, and the inviter must not keep a reward for a purchase refunded afterwards.
    const grant = await prisma.creditLedgerEntry.findFirst({
      where: { idempotencyKey: { startsWith: 'referral:', endsWith: `:${input.paymentId}:${side}` } },
      select: { userId: true, delta: true },
    });
    const owner = grant ? await resolveUserId(prisma, grant.userId) : undefined;
    if (!grant || !owner || grant.delta <= 0) continue;
    const target = Math.round(grant.delta * share);
    const change = target - (await referralTakenBack(prisma, input.paymentId, side));
    if (change > 0) {
      const result = await clawBackCredits(prisma, {
        userId: owner,
        amount: change,
        idempotencyKey: `referral-clawback:${input.paymentId}:${input.eventKey}:${side}`,
        reason: 'referral_clawback',
        actor: input.actor,
        now: input.now,
      });
      if (result.applied) total += result.taken + result.owed;
    } else if (change < 0) {
      await grantCredits(prisma, {
        userId: owner,
        amount: -change,
        source: 'refund',
        idempotencyKey: `referral-restore:${input.paymentId}:${input.eventKey}:${side}`,
        reason: 'referral_restore',
        actor: input.actor,
      });
    }
  }
  return total;
}

/** The credits of one side's reward taken back so far: claw-backs (taken and owed) less what was given back. */
async function referralTakenBack(prisma: PrismaClient, paymentId: string, side: string): Promise<number> {
  const entries = await prisma.creditLedgerEntry.findMany({
    where: {
      OR: [
        { idempotencyKey: { startsWith: `referral-clawback:${paymentId}:`, endsWith: `:${side}` } },
        { idempotencyKey: { startsWith: `referral-restore:${paymentId}:`, endsWith: `:${side}` } },
      ],
    },
    select: { idempotencyKey: true, delta: true, debtDelta: true },
  });
  return entries.reduce(
    (sum, entry) =>
      entry.idempotencyKey.startsWith('referral-clawback:') ? sum - entry.delta + entry.debtDelta : sum - entry.delta,
    0,
  );
}
