import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';
import { resolveUser, type AdminUser, type UserRef } from '#core/admin/find-user';
import { clawBackCredits } from '#core/credits/claw-back-credits';
import { getBalance, type Balance } from '#core/credits/get-balance';
import { grantCreditsLocked } from '#core/credits/grant-credits';
import { withAccountLock, type Tx } from '#core/credits/ledger-transaction';
import { AppError } from '#core/errors/app-error';

/** The result of `grant`: whether this call added the lot (false: the key was used before). */
export type AdminGrantResult = {
  user: AdminUser;
  applied: boolean;
  key: string;
  lotId: string | undefined;
  debtSettled: number;
  balance: Balance;
};

/** The result of `revoke`: credits taken from lots and what became a debt. */
export type AdminRevokeResult = {
  user: AdminUser;
  applied: boolean;
  key: string;
  taken: number;
  owed: number;
  balance: Balance;
};

/** Prefix of the ledger idempotency keys of admin grants (`admin-grant:<key>`). */
export const ADMIN_GRANT_KEY_PREFIX = 'admin-grant:';
/** Prefix of the ledger idempotency keys of admin revocations (`admin-revoke:<key>`). */
export const ADMIN_REVOKE_KEY_PREFIX = 'admin-revoke:';

/**
 * `grant`: adds an admin lot of `amount` credits (never expiring) with its ledger entry and the
 * audit row in one transaction. The same `key` twice adds nothing the second time (`applied:
 * false`, no audit row), so a retried command is safe; the key reused for another account or
 * amount is refused (`conflict`). A debt is settled from the new lot first.
 */
export async function grantAdminCredits(
  deps: AdminDeps,
  input: { ref: UserRef; amount: number; reason: string; key: string; actor: AdminActor },
): Promise<AdminGrantResult> {
  assertAmount(input.amount);
  const user = await resolveUser(deps, input.ref);
  assertChangeable(user);
  const result = await withAccountLock(deps.prisma, user.id, async (tx) => {
    const granted = await grantCreditsLocked(tx, {
      userId: user.id,
      amount: input.amount,
      source: 'admin',
      idempotencyKey: `${ADMIN_GRANT_KEY_PREFIX}${input.key}`,
      reason: input.reason,
      actor: input.actor,
      expiresAt: null,
    });
    if (granted.applied) {
      await auditAdminAction(tx, {
        actor: input.actor,
        action: 'credits.grant',
        targetUserId: user.id,
        details: {
          amount: input.amount,
          reason: input.reason,
          key: input.key,
          lotId: granted.lotId ?? null,
          debtSettled: granted.debtSettled,
        },
      });
    }
    if (!granted.applied) await assertSameUse(tx, `${ADMIN_GRANT_KEY_PREFIX}${input.key}`, user.id, input.amount);
    return granted;
  });
  const balance = await getBalance(deps.prisma, user.id, deps.clock.now());
  return {
    user,
    applied: result.applied,
    key: input.key,
    lotId: result.lotId,
    debtSettled: result.debtSettled,
    balance,
  };
}

/**
 * `revoke`: takes `amount` credits back (a clawback): from the soonest-expiring lots; what the
 * balance cannot cover becomes a debt that blocks generation until a later grant settles it. The
 * same `key` twice takes nothing the second time. The ledger entry carries the actor and reason;
 * the audit row follows it (see the report on `clawBackCreditsLocked` for making both one transaction).
 */
export async function revokeAdminCredits(
  deps: AdminDeps,
  input: { ref: UserRef; amount: number; reason: string; key: string; actor: AdminActor },
): Promise<AdminRevokeResult> {
  assertAmount(input.amount);
  const user = await resolveUser(deps, input.ref);
  assertChangeable(user);
  const result = await clawBackCredits(deps.prisma, {
    userId: user.id,
    amount: input.amount,
    idempotencyKey: `${ADMIN_REVOKE_KEY_PREFIX}${input.key}`,
    reason: input.reason,
    actor: input.actor,
    now: deps.clock.now(),
  });
  if (!result.applied) await assertSameUse(deps.prisma, `${ADMIN_REVOKE_KEY_PREFIX}${input.key}`, user.id, undefined);
  if (result.applied) {
    await auditAdminAction(deps.prisma, {
      actor: input.actor,
      action: 'credits.revoke',
      targetUserId: user.id,
      details: { amount: input.amount, reason: input.reason, key: input.key, taken: result.taken, owed: result.owed },
    });
  }
  const balance = await getBalance(deps.prisma, user.id, deps.clock.now());
  return { user, applied: result.applied, key: input.key, taken: result.taken, owed: result.owed, balance };
}

/**
 * A replayed key must be the same request: the same account (and, for a grant, the same amount).
 * Reusing a key for something else would otherwise "succeed" silently without doing it.
 */
async function assertSameUse(
  db: Pick<Tx, 'creditLedgerEntry'>,
  idempotencyKey: string,
  userId: string,
  amount: number | undefined,
): Promise<void> {
  const entry = await db.creditLedgerEntry.findUnique({
    where: { idempotencyKey },
    select: { userId: true, delta: true },
  });
  if (entry && (entry.userId !== userId || (amount !== undefined && entry.delta !== amount))) {
    throw new AppError('conflict', {
      message: `key ${idempotencyKey.slice(idempotencyKey.indexOf(':') + 1)} was already used for a different change; pick another --key`,
    });
  }
}

function assertAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new AppError('invalid_input', { message: 'credits must be a positive whole number' });
}

function assertChangeable(user: AdminUser): void {
  if (user.status === 'deleted')
    throw new AppError('conflict', { message: `account ${user.id} is deleted; its credits cannot change` });
  if (user.mergedIntoId)
    throw new AppError('conflict', {
      message: `account ${user.id} was merged into ${user.mergedIntoId}; change that account instead`,
    });
}
