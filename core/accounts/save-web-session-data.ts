import type { CoreDeps } from '#core/core-deps';
import type { Prisma } from '#core/infra/db/create-database';
import { isSessionIdShape, sessionKey, type WebSessionData } from '#core/accounts/web-session';

/** Replaces the data a live session carries. Returns false when the session no longer exists. */
export async function saveWebSessionData(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  sid: string,
  data: WebSessionData,
): Promise<boolean> {
  if (!isSessionIdShape(sid)) return false;
  const updated = await deps.prisma.webSession.updateMany({
    where: { id: sessionKey(sid), expiresAt: { gt: deps.clock.now() } },
    data: { data: data as Prisma.InputJsonValue },
  });
  return updated.count === 1;
}
