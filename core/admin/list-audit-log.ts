import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';

/** One audit row as the admin tools show it. */
export type AuditLogLine = {
  id: string;
  at: Date;
  actor: string;
  action: string;
  targetUserId: string | null;
  details: unknown;
};

/** The most audit rows one call returns. */
export const MAX_AUDIT_LINES = 500;

/**
 * `audit`: the last `limit` audit rows (default 100, at most 500), newest first. With
 * `isChangesOnly`, look-ups (`admin.*` actions) are left out so the changes stand out. Reading
 * the trail is itself audited (`admin.view_audit`), after the read, so it never lists itself.
 */
export async function listAuditLog(
  deps: AdminDeps,
  input: { limit?: number; isChangesOnly?: boolean; actor: AdminActor },
): Promise<AuditLogLine[]> {
  const rows = await deps.prisma.auditLog.findMany({
    where: input.isChangesOnly ? { NOT: { action: { startsWith: 'admin.' } } } : {},
    orderBy: { id: 'desc' },
    take: Math.min(Math.max(input.limit ?? 100, 1), MAX_AUDIT_LINES),
  });
  await auditAdminAction(deps.prisma, {
    actor: input.actor,
    action: 'admin.view_audit',
    details: { lines: rows.length, isChangesOnly: input.isChangesOnly === true },
  });
  return rows.map((row) => ({
    id: row.id.toString(),
    at: row.createdAt,
    actor: row.actor,
    action: row.action,
    targetUserId: row.targetUserId,
    details: row.details,
  }));
}
