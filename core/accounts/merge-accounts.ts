import type { CoreDeps } from '#core/core-deps';
import { clawBackReferral } from '#core/referrals/claw-back-referral';
import { inTransaction } from '#core/payments/stripe-webhook-effect';
import { AppError } from '#core/errors/app-error';
import { findSpendableLots, withAccountLock, type Tx } from '#core/credits/ledger-transaction';
import { TERMS_VERSION } from '#core/legal/terms-version';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';

/** What a merge moved. */
/** What a merge moved, and the chat account's free credits it did not add (one bonus per person). */
export type MergeResult = { movedCredits: number; movedDebt: number; identities: string[]; forfeitedBonus: number };

/**
 * Joins a chat-only account (`fromUserId`) into a web account (`intoUserId`), as `/link` asks:
 *
 * - credits move through the ledger: each spendable lot is emptied with a `merge_out` entry on
 *   the old account and re-created on the target as a `merge` lot with the same expiry (and
 *   payment, so a later refund still finds it) and a `merge_in` entry (key `merge:<from>:<lot>`);
 *   a debt moves the same way and is settled from the target's credits where they cover it;
 * - bonuses never add up: when the target already had a signup bonus, what is left of the chat
 *   account's bonus lot is not moved (its `merge_out` entry, reason `signup_bonus_not_combined`,
 *   has no `merge_in`), so the merged account keeps at most one bonus;
 * - generations, media, payments, subscriptions, template and moderation events, suspensions,
 *   security events, data requests, identities and the old ledger history are re-pointed;
 * - an active suspension, a restriction or an objection carries over (a merge never lifts one);
 * - the old user row is deleted and the merge is audit-logged.
 *
 * Refuses with `conflict` while the chat account has open reservations (a job is running) or when
 * it is itself a web account (an email, password or Google sign-in). Runs in one transaction
 * holding both accounts' locks, so no job can start on either side meanwhile.
 */
export async function mergeAccounts(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { fromUserId: string; intoUserId: string; actor: string; origin: RequestOrigin },
): Promise<MergeResult> {
  const { fromUserId: from, intoUserId: into } = input;
  if (from === into) return { movedCredits: 0, movedDebt: 0, identities: [], forfeitedBonus: 0 };
  const now = deps.clock.now();
  return withAccountLock(deps.prisma, [from, into], async (tx) => {
    const [source, target] = await Promise.all([
      tx.user.findUnique({ where: { id: from } }),
      tx.user.findUnique({ where: { id: into } }),
    ]);
    if (!source || !target || target.status === 'deleted') throw new AppError('token_invalid');
    const webIdentities = await tx.identity.count({ where: { userId: from, provider: { in: ['google', 'email'] } } });
    if (source.email !== null || source.passwordHash !== null || webIdentities > 0)
      throw new AppError('conflict', { message: 'the chat account is itself a web account' });
    const openReservations = await tx.creditReservation.count({ where: { userId: from, status: 'open' } });
    if (openReservations > 0) throw new AppError('conflict', { message: 'the chat account has a job running' });

    const { moved: movedCredits, forfeitedBonus } = await moveLots(tx, from, into, now);
    const movedDebt = await moveDebt(tx, from, into, source.creditDebt);
    await settleDebtFromLots(tx, from, into, now);
    await repointRows(tx, from, into);
    const identities = (await tx.identity.findMany({ where: { userId: from }, select: { provider: true } })).map(
      (identity) => identity.provider,
    );
    await tx.identity.updateMany({ where: { userId: from }, data: { userId: into } });
    await tx.user.update({ where: { id: into }, data: mergedFlags(source, target, now) });
    await tx.auditLog.create({
      data: {
        actor: input.actor,
        action: 'account.merge',
        targetUserId: into,
        details: { from, movedCredits, movedDebt, identities, forfeitedBonus },
      },
    });
    await recordSecurityEvent(tx, {
      userId: into,
      kind: 'account.merged',
      origin: input.origin,
      details: { identities: identities.join(',') },
    });
    await tx.user.delete({ where: { id: from } });
    await takeBackSelfReferrals(tx, { from, into, actor: input.actor, now });
    return { movedCredits, movedDebt, identities, forfeitedBonus };
  });
}

/**
 * Empties the chat account's spendable lots into copies on the target. A signup-bonus lot is
 * not copied when the target already has a bonus (any `signup_bonus` lot, spent or not, its own
 * or merged in earlier): the same `merge_out` key then records the credits as not combined.
 */
async function moveLots(
  tx: Tx,
  from: string,
  into: string,
  now: Date,
): Promise<{ moved: number; forfeitedBonus: number }> {
  let moved = 0;
  let forfeitedBonus = 0;
  let hasBonus = (await tx.creditLot.count({ where: { userId: into, source: 'signup_bonus' } })) > 0;
  for (const { id } of await findSpendableLots(tx, from, now)) {
    const lot = await tx.creditLot.findUniqueOrThrow({ where: { id } });
    await tx.creditLot.update({ where: { id }, data: { remaining: 0 } });
    if (lot.source === 'signup_bonus') {
      if (hasBonus) {
        await tx.creditLedgerEntry.create({
          data: {
            userId: from,
            kind: 'merge_out',
            delta: -lot.remaining,
            idempotencyKey: `merge:${from}:${id}:out`,
            reason: 'signup_bonus_not_combined',
            lotId: id,
            actor: `merge:${into}`,
          },
        });
        forfeitedBonus += lot.remaining;
        continue;
      }
      hasBonus = true;
    }
    await tx.creditLedgerEntry.create({
      data: {
        userId: from,
        kind: 'merge_out',
        delta: -lot.remaining,
        idempotencyKey: `merge:${from}:${id}:out`,
        reason: 'merge_out',
        lotId: id,
        paymentId: lot.paymentId,
        actor: `merge:${into}`,
      },
    });
    const copy = await tx.creditLot.create({
      data: {
        userId: into,
        source: 'merge',
        amount: lot.remaining,
        remaining: lot.remaining,
        expiresAt: lot.expiresAt,
        paymentId: lot.paymentId,
        subscriptionId: lot.subscriptionId,
      },
      select: { id: true },
    });
    await tx.creditLedgerEntry.create({
      data: {
        userId: into,
        kind: 'merge_in',
        delta: lot.remaining,
        idempotencyKey: `merge:${from}:${id}`,
        reason: 'merge_in',
        lotId: copy.id,
        paymentId: lot.paymentId,
        actor: `merge:${from}`,
      },
    });
    moved += lot.remaining;
  }
  return { moved, forfeitedBonus };
}

async function moveDebt(tx: Tx, from: string, into: string, debt: number): Promise<number> {
  if (debt <= 0) return 0;
  await tx.user.update({ where: { id: from }, data: { creditDebt: 0 } });
  await tx.creditLedgerEntry.create({
    data: {
      userId: from,
      kind: 'merge_out',
      delta: 0,
      debtDelta: -debt,
      idempotencyKey: `merge:${from}:debt:out`,
      reason: 'merge_out',
    },
  });
  await tx.user.update({ where: { id: into }, data: { creditDebt: { increment: debt } } });
  await tx.creditLedgerEntry.create({
    data: {
      userId: into,
      kind: 'merge_in',
      delta: 0,
      debtDelta: debt,
      idempotencyKey: `merge:${from}:debt`,
      reason: 'merge_in',
    },
  });
  return debt;
}

/** Pays the target's debt from its spendable lots, soonest-expiring first (one `debt_settle` entry per lot). */
async function settleDebtFromLots(tx: Tx, from: string, into: string, now: Date): Promise<void> {
  let owed = (await tx.user.findUniqueOrThrow({ where: { id: into }, select: { creditDebt: true } })).creditDebt;
  for (const lot of await findSpendableLots(tx, into, now)) {
    if (owed <= 0) break;
    const take = Math.min(owed, lot.remaining);
    await tx.creditLot.update({ where: { id: lot.id }, data: { remaining: { decrement: take } } });
    await tx.user.update({ where: { id: into }, data: { creditDebt: { decrement: take } } });
    await tx.creditLedgerEntry.create({
      data: {
        userId: into,
        kind: 'debt_settle',
        delta: -take,
        debtDelta: -take,
        idempotencyKey: `merge:${from}:settle:${lot.id}`,
        reason: 'debt_settle',
        lotId: lot.id,
      },
    });
    owed -= take;
  }
}

async function repointRows(tx: Tx, from: string, into: string): Promise<void> {
  const where = { userId: from };
  const data = { userId: into };
  await tx.creditLot.updateMany({ where, data });
  await tx.creditLedgerEntry.updateMany({ where, data });
  await tx.creditReservation.updateMany({ where, data });
  await tx.generation.updateMany({ where, data });
  await tx.mediaAsset.updateMany({ where, data });
  await tx.payment.updateMany({ where, data });
  await tx.subscription.updateMany({ where, data });
  await tx.templateEvent.updateMany({ where, data });
  await tx.moderationEvent.updateMany({ where, data });
  await tx.suspension.updateMany({ where, data });
  await tx.securityEvent.updateMany({ where, data });
  await tx.dataSubjectRequest.updateMany({ where, data });
  const hasCustomer = await tx.stripeCustomer.findUnique({ where: { userId: into }, select: { userId: true } });
  if (!hasCustomer) await tx.stripeCustomer.updateMany({ where, data });
}

type FlagRow = {
  id: string;
  status: 'active' | 'suspended' | 'deleted';
  suspendedUntil: Date | null;
  suspendedReason: string | null;
  termsAcceptedAt: Date | null;
  termsVersion: string | null;
  ageConfirmedAt: Date | null;
  isProcessingRestricted: boolean;
  hasObjectedToAnalytics: boolean;
  referredById: string | null;
};

/**
 * The target's flags after a merge: the stricter of both for suspensions and privacy choices;
 * an invitation by either of the two accounts is dropped (one person does not invite themselves).
 */
function mergedFlags(source: FlagRow, target: FlagRow, now: Date) {
  const isSourceSuspended =
    source.status === 'suspended' && (source.suspendedUntil === null || source.suspendedUntil > now);
  const isTargetSuspended =
    target.status === 'suspended' && (target.suspendedUntil === null || target.suspendedUntil > now);
  const suspension =
    isSourceSuspended &&
    (!isTargetSuspended ||
      (target.suspendedUntil !== null &&
        (source.suspendedUntil === null || source.suspendedUntil > target.suspendedUntil)))
      ? { status: 'suspended' as const, suspendedUntil: source.suspendedUntil, suspendedReason: source.suspendedReason }
      : {};
  const hasTargetTerms =
    target.termsAcceptedAt !== null && target.ageConfirmedAt !== null && target.termsVersion === TERMS_VERSION;
  const terms =
    !hasTargetTerms && source.termsVersion === TERMS_VERSION && source.termsAcceptedAt && source.ageConfirmedAt
      ? {
          termsAcceptedAt: source.termsAcceptedAt,
          termsVersion: source.termsVersion,
          ageConfirmedAt: source.ageConfirmedAt,
        }
      : {};
  return {
    ...suspension,
    ...terms,
    isProcessingRestricted: target.isProcessingRestricted || source.isProcessingRestricted,
    hasObjectedToAnalytics: target.hasObjectedToAnalytics || source.hasObjectedToAnalytics,
    referredById:
      [target.referredById, source.referredById].find((id) => id !== null && id !== source.id && id !== target.id) ??
      null,
  };
}

/**
 * Once merged, the two accounts are one person: a purchase of one that rewarded the other as its
 * inviter paid that person twice over. Both sides of such rewards are taken back
 * (`clawBackReferral`, key event `merge-<from>`), in the merge's transaction.
 */
async function takeBackSelfReferrals(tx: Tx, input: { from: string; into: string; actor: string; now: Date }) {
  const { from, into } = input;
  const grants = await tx.creditLedgerEntry.findMany({
    where: {
      userId: into,
      AND: [
        {
          OR: [
            { idempotencyKey: { startsWith: `referral:${from}:` } },
            { idempotencyKey: { startsWith: `referral:${into}:` } },
          ],
        },
        { idempotencyKey: { endsWith: ':inviter' } },
      ],
    },
    select: { idempotencyKey: true },
  });
  for (const grant of grants) {
    const paymentId = grant.idempotencyKey.split(':')[2] ?? '';
    await clawBackReferral(inTransaction(tx), {
      paymentId,
      share: 1,
      eventKey: `merge-${from}`,
      actor: input.actor,
      now: input.now,
    });
  }
}
