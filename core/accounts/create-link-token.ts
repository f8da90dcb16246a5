import { createHash, randomBytes } from 'node:crypto';
import type { CoreDeps } from '#core/core-deps';

/** How long a /link address, and the confirm button sent into the chat after it, stay valid. */
export const LINK_TOKEN_TTL_MS = 10 * 60 * 1000;

/** Hashes a one-time token for storage; only the hash is kept. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The chat account a `/link` token names, as the platform showed it when /link was sent. */
export type LinkTokenPayload = { platform: string; platformUserId: string; username?: string; displayName?: string };

/**
 * Creates a single-use account-link token for a chat identity; returns the secret for the URL.
 * The username and display name are kept with it so the web page can say exactly which chat
 * account would be joined.
 */
export async function createLinkToken(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: {
    userId: string;
    platform: string;
    platformUserId: string;
    username?: string | undefined;
    displayName?: string | undefined;
  },
): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  const payload: LinkTokenPayload = {
    platform: input.platform,
    platformUserId: input.platformUserId,
    ...(input.username ? { username: input.username } : {}),
    ...(input.displayName ? { displayName: input.displayName } : {}),
  };
  await deps.prisma.oneTimeToken.create({
    data: {
      kind: 'account_link',
      tokenHash: hashToken(token),
      userId: input.userId,
      payload,
      expiresAt: new Date(deps.clock.now().getTime() + LINK_TOKEN_TTL_MS),
    },
  });
  return token;
}
