import type { CoreDeps } from '#core/core-deps';
import { revokeEmailChangeTokens } from '#core/accounts/one-time-token';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';

/**
 * "Sign out everywhere": ends every session of the account (this one too) and revokes every
 * pending email-change link, so whoever held a session loses what it could still start.
 */
export async function endAllWebSessions(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { userId: string; origin: RequestOrigin },
): Promise<{ ended: number }> {
  const now = deps.clock.now();
  return deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.webSession.deleteMany({ where: { userId: input.userId } });
    await revokeEmailChangeTokens(tx, { userId: input.userId, now });
    await recordSecurityEvent(tx, {
      userId: input.userId,
      kind: 'logout.everywhere',
      origin: input.origin,
      details: { sessions: count },
    });
    return { ended: count };
  });
}
