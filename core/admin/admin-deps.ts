import type { AppConfig } from '#core/config/load-config';
import type { CoreDeps } from '#core/core-deps';
import type { Prisma } from '#core/infra/db/create-database';

/** What the admin use cases need: the database, the clock and the secret of the identity marks. A CLI opens nothing else. */
export type AdminDeps = Pick<CoreDeps, 'prisma' | 'clock'> & { config: Pick<AppConfig, 'sessionSecret'> };

/**
 * Who did an admin action, as written to `AuditLog.actor` and `CreditLedgerEntry.actor`:
 * `cli:<os user>` from the CLI, `web:<user id>` from the admin area.
 */
export type AdminActor = string;

/**
 * Writes one AuditLog row for an admin action or look-up. Every admin command goes through
 * here (reads included: looking at a person's ledger or moderation history is access to their
 * data, and the privacy policy promises that access is recorded).
 */
export async function auditAdminAction(
  db: Pick<CoreDeps['prisma'], 'auditLog'> | Prisma.TransactionClient,
  entry: { actor: AdminActor; action: string; targetUserId?: string | null; details?: Prisma.InputJsonObject },
): Promise<void> {
  await db.auditLog.create({
    data: {
      actor: entry.actor,
      action: entry.action,
      targetUserId: entry.targetUserId ?? null,
      details: entry.details ?? {},
    },
  });
}
