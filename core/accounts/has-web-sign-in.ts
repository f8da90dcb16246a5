import type { CoreDeps } from '#core/core-deps';

/**
 * Whether an account signs in on the website with a password or Google. Such an account is
 * protected by that sign-in: erasing it is confirmed on the website (with the password, or by
 * being signed in with Google), never from a chat alone, since a chat account joined to it
 * proves only that someone holds that chat.
 */
export async function hasWebSignIn(deps: Pick<CoreDeps, 'prisma'>, userId: string): Promise<boolean> {
  const user = await deps.prisma.user.findUnique({
    where: { id: userId },
    select: { passwordHash: true, identities: { where: { provider: 'google' }, select: { id: true } } },
  });
  return user !== null && (user.passwordHash !== null || user.identities.length > 0);
}
