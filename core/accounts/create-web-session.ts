import type { CoreDeps } from '#core/core-deps';
import type { Prisma } from '#core/infra/db/create-database';
import {
  newSessionId,
  PENDING_SESSION_TTL_MS,
  SESSION_TTL_MS,
  sessionKey,
  type WebSessionData,
} from '#core/accounts/web-session';
import type { RequestOrigin } from '#core/accounts/record-security-event';

/**
 * Starts a server-side session and returns the new id for the cookie. Called at every sign-in
 * with the previous id, which is ended first, so the id always changes at login (no fixation).
 */
export async function createWebSession(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { userId: string | null; data?: WebSessionData; origin: RequestOrigin; replacesSid?: string | undefined },
): Promise<{ sid: string; expiresAt: Date }> {
  const sid = newSessionId();
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + (input.userId ? SESSION_TTL_MS : PENDING_SESSION_TTL_MS));
  await deps.prisma.$transaction(async (tx) => {
    if (input.replacesSid) await tx.webSession.deleteMany({ where: { id: sessionKey(input.replacesSid) } });
    await tx.webSession.create({
      data: {
        id: sessionKey(sid),
        userId: input.userId,
        data: (input.data ?? {}) as Prisma.InputJsonValue,
        ip: input.origin.ip?.slice(0, 64) ?? null,
        userAgent: input.origin.userAgent?.slice(0, 400) ?? null,
        expiresAt,
      },
    });
  });
  return { sid, expiresAt };
}
