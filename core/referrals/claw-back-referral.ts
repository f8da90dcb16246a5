import type { PrismaClient } from '#core/infra/db/create-database';
import { clawBackCredits } from '#core/credits/claw-back-credits';
import { resolveUserId } from '#core/payments/stripe-resolve-user';

/**
 * Takes back the referral credits a purchase gave (both sides), after that purchase was
 * refunded or disputed, like the purchase's own credits (`clawBackCredits`: a debt where they
 * were spent). Keys `referral-clawback:<payment>:<side>`, so a repeated refund takes nothing
 * more. An account erased since has nothing to take back and is skipped; the other side still is. Returns the credits
 * taken back now (including what became a debt).
 */
export async function clawBackReferral(
  prisma: PrismaClient,
  input: { paymentId: string; actor: string; now: Date },
): Promise<number> {
  let total = 0;
  for (const side of ['invitee', 'inviter'] as const) {
    // Found by the purchase in its key, not through the payment's details: erasing the invitee
    // empties those, and the inviter must not keep a reward for a purchase refunded afterwards.
    const grant = await prisma.creditLedgerEntry.findFirst({
      where: { idempotencyKey: { startsWith: 'referral:', endsWith: `:${input.paymentId}:${side}` } },
      select: { userId: true, delta: true },
    });
    const owner = grant ? await resolveUserId(prisma, grant.userId) : undefined;
    if (!grant || !owner || grant.delta <= 0) continue;
    const result = await clawBackCredits(prisma, {
      userId: owner,
      amount: grant.delta,
      idempotencyKey: `referral-clawback:${input.paymentId}:${side}`,
      reason: 'referral_clawback',
      actor: input.actor,
      now: input.now,
    });
    if (result.applied) total += result.taken + result.owed;
  }
  return total;
}
