import type { Api } from 'grammy';
import type { LanguageCode } from 'grammy/types';
import { COMMAND_NAMES, translate, type CommandName, type Locale } from '#core';

/** The commands worth offering in a group; the rest (privacy, payments help, account) belong in a private chat. */
const GROUP_COMMANDS: readonly CommandName[] = ['imagine', 'video', 'templates', 'balance', 'cancel', 'help'];
const SCOPES = [
  { scope: { type: 'all_private_chats' }, commands: COMMAND_NAMES },
  { scope: { type: 'all_group_chats' }, commands: GROUP_COMMANDS },
] as const;
/**
 * The default menu (no language code) is English. Telegram picks a menu by the user's two-letter
 * ISO 639-1 code only, so all Chinese users get the Simplified menu (replies still follow their
 * full `language_code`, e.g. `zh-hant`, and their /settings choice).
 */
const LANGUAGES: readonly { languageCode: LanguageCode | undefined; locale: Locale }[] = [
  { languageCode: undefined, locale: 'en' },
  { languageCode: 'zh', locale: 'zh-CN' },
  { languageCode: 'ru', locale: 'ru' },
  { languageCode: 'es', locale: 'es' },
  { languageCode: 'pt', locale: 'pt-BR' },
  { languageCode: 'ja', locale: 'ja' },
  { languageCode: 'id', locale: 'id' },
];

/**
 * Sets the command menus per scope and language (https://core.telegram.org/bots/api#setmycommands),
 * with descriptions from the same catalog as every reply (`command.<name>`).
 */
export async function setCommandMenus(api: Api): Promise<void> {
  for (const { scope, commands } of SCOPES) {
    for (const { languageCode, locale } of LANGUAGES) {
      await api.setMyCommands(
        commands.map((name) => ({ command: name, description: translate(locale, `command.${name}`) })),
        { scope, ...(languageCode ? { language_code: languageCode } : {}) },
      );
    }
  }
}
