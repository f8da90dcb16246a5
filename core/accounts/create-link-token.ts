import { createHash, randomBytes } from 'node:crypto';
import type { CoreDeps } from '#core/core-deps';

/** How long a /link address stays valid. */
export const LINK_TOKEN_TTL_MS = 10 * 60 * 1000;

/** Hashes a one-time token for storage; only the hash is kept. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a single-use account-link token for a chat identity; returns the secret for the URL. */
export async function createLinkToken(deps: Pick<CoreDeps, 'prisma' | 'clock'>, input: { userId: string; platform: string; platformUserId: string }): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  await deps.prisma.oneTimeToken.create({
    data: {
      kind: 'account_link',
      tokenHash: hashToken(token),
      userId: input.userId,
      payload: { platform: input.platform, platformUserId: input.platformUserId },
      expiresAt: new Date(deps.clock.now().getTime() + LINK_TOKEN_TTL_MS),
    },
  });
  return token;
}
