import type { CoreDeps } from '#core/core-deps';
import {
  isSessionIdShape,
  SESSION_TTL_MS,
  SESSION_USER_SELECT,
  sessionKey,
  toSessionUser,
  type SessionUser,
  type WebSessionData,
} from '#core/accounts/web-session';

/** A live session and its user (undefined for a session that only holds a sign-in in progress). */
export type FoundWebSession = {
  data: WebSessionData;
  user: SessionUser | undefined;
  expiresAt: Date;
  wasExtended: boolean;
};

/**
 * The live session behind a cookie id, or undefined (unknown, expired, or its user deleted).
 * A signed-in session used in the second half of its life is extended, so active people stay
 * signed in while an idle session still ends.
 */
export async function findWebSession(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  sid: string,
): Promise<FoundWebSession | undefined> {
  if (!isSessionIdShape(sid)) return undefined;
  const now = deps.clock.now();
  const row = await deps.prisma.webSession.findUnique({
    where: { id: sessionKey(sid) },
    include: { user: { select: SESSION_USER_SELECT } },
  });
  if (!row || row.expiresAt <= now) return undefined;
  if (row.userId && (!row.user || row.user.status === 'deleted')) return undefined;
  let { expiresAt } = row;
  if (row.userId && expiresAt.getTime() - now.getTime() < SESSION_TTL_MS / 2) {
    expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await deps.prisma.webSession.updateMany({ where: { id: row.id }, data: { expiresAt } });
  }
  return {
    data: (row.data ?? {}) as WebSessionData,
    user: row.user ? toSessionUser(row.user) : undefined,
    expiresAt,
    wasExtended: expiresAt !== row.expiresAt,
  };
}
