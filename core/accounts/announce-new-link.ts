import type { CoreDeps } from '#core/core-deps';
import type { Platform } from '#core/accounts/account';
import { chatAccountLabel } from '#core/accounts/account-label';
import { notifyChatIdentity } from '#core/accounts/notify-chat-identity';
import { sendAccountMail } from '#core/accounts/send-account-mail';
import { textReply } from '#core/chat/reply';

/**
 * Tells the owner of a website account that a chat account was just linked to it: an email to
 * the account's address and a message in each of its other linked chats, each naming the new
 * chat account and where to remove it. Best effort: a failed mail or message is logged, the
 * link stands.
 */
export async function announceNewLink(
  deps: Pick<CoreDeps, 'prisma' | 'notifiers' | 'logger' | 'mailer' | 'config'>,
  input: {
    userId: string;
    presser: {
      platform: Platform;
      platformUserId: string;
      username?: string | undefined;
      displayName?: string | undefined;
    };
  },
): Promise<void> {
  const user = await deps.prisma.user.findUnique({
    where: { id: input.userId },
    select: {
      email: true,
      locale: true,
      settings: true,
      identities: { where: { provider: { in: ['telegram', 'discord'] } }, select: { provider: true, subject: true } },
    },
  });
  if (!user) return;
  const account = chatAccountLabel(input.presser);
  const platform = `{web.platform.${input.presser.platform}}`;
  const url = `${deps.config.publicUrl}/account`;
  const locale = (user.settings as { locale?: string } | null)?.locale ?? user.locale;
  if (user.email)
    await sendAccountMail(deps, { to: user.email, locale, kind: 'account_linked', url, vars: { account, platform } });
  const others = user.identities.filter(
    (identity) => !(identity.provider === input.presser.platform && identity.subject === input.presser.platformUserId),
  );
  for (const other of others) {
    await notifyChatIdentity(deps, { platform: other.provider as Platform, platformUserId: other.subject, locale }, [
      textReply('link.announce', { account, platform, url }),
    ]);
  }
}
