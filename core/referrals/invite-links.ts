import type { AppConfig } from '#core/config/load-config';
import { START_PAYLOAD_PREFIX } from '#core/referrals/referral-code';

/** The addresses that invite someone with a code. */
export type InviteLinks = { web: string; telegram: string | undefined };

/**
 * The invite links of a code: the web's `<PUBLIC_URL>/?ref=<code>`, and Telegram's deep link
 * `https://t.me/<bot>?start=ref_<code>` when TELEGRAM_BOT_USERNAME is set (a deep-link payload
 * is at most 64 of A-Z a-z 0-9 _ -: https://core.telegram.org/bots/features#deep-linking).
 */
export function inviteLinksOf(config: Pick<AppConfig, 'publicUrl' | 'telegramBotUsername'>, code: string): InviteLinks {
  return {
    web: `${config.publicUrl}/?ref=${code}`,
    telegram: config.telegramBotUsername
      ? `https://t.me/${config.telegramBotUsername}?start=${START_PAYLOAD_PREFIX}${code}`
      : undefined,
  };
}

/** The link to show on a platform: Telegram's deep link in Telegram (when known), the web link elsewhere (Discord, the site). */
export function inviteLinkFor(links: InviteLinks, platform: 'telegram' | 'discord' | 'web'): string {
  return platform === 'telegram' && links.telegram ? links.telegram : links.web;
}
