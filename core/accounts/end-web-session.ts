import type { CoreDeps } from '#core/core-deps';
import { isSessionIdShape, sessionKey } from '#core/accounts/web-session';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';

/** Signs out: deletes the session and records a `logout` event for its user. Ending twice is harmless. */
export async function endWebSession(deps: Pick<CoreDeps, 'prisma'>, sid: string, origin: RequestOrigin): Promise<void> {
  if (!isSessionIdShape(sid)) return;
  const row = await deps.prisma.webSession.findUnique({
    where: { id: sessionKey(sid) },
    select: { id: true, userId: true },
  });
  if (!row) return;
  await deps.prisma.webSession.deleteMany({ where: { id: row.id } });
  if (row.userId) await recordSecurityEvent(deps.prisma, { userId: row.userId, kind: 'logout', origin });
}
