import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Reply } from '#core/chat/reply';
import { AppError } from '#core/errors/app-error';
import { isLocale, LOCALE_NAMES, LOCALES, type Locale } from '#core/i18n/locales';
import { ASPECT_RATIOS } from '#core/providers/ports';

const ASPECT_CHOICES = ['1:1', '16:9', '9:16', '4:3'] as const;

/** Language buttons per row: Discord takes at most 5 buttons in a row, and 4 fit a phone's width. */
const LANGUAGES_PER_ROW = 4;

/** /settings: current language and defaults, with buttons to change them. */
export function runSettings(context: ChatContext): Reply[] {
  const { account } = context;
  return [
    textReply(
      'settings.text',
      {
        locale: LOCALE_NAMES[context.locale],
        aspect: account.settings.aspectRatio ?? '1:1',
        model: account.settings.model ?? '{settings.model_default}',
      },
      {
        buttons: [
          ...rowsOf(
            LOCALES.map((locale) => ({
              label: { key: 'settings.language_button' as const, vars: { locale: LOCALE_NAMES[locale] } },
              action: { name: 'set' as const, arg: `locale=${locale}` },
            })),
            LANGUAGES_PER_ROW,
          ),
          ASPECT_CHOICES.map((aspect) => ({
            label: { key: 'settings.aspect_button' as const, vars: { aspect } },
            action: { name: 'set' as const, arg: `aspect=${aspect}` },
          })),
        ],
      },
    ),
  ];
}

function rowsOf<T>(items: readonly T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let start = 0; start < items.length; start += size) rows.push(items.slice(start, start + size));
  return rows;
}

/** A settings button: `locale=zh-CN`, `aspect=16:9` or `model=name`. Unknown values change nothing. */
export async function runSet(context: ChatContext, arg: string): Promise<Reply[]> {
  const [name, value = ''] = arg.split('=', 2);
  const settings = { ...context.account.settings };
  let locale: Locale = context.locale;
  if (name === 'locale' && isLocale(value)) {
    settings.locale = value;
    locale = value;
  } else if (name === 'aspect' && (ASPECT_RATIOS as readonly string[]).includes(value)) {
    settings.aspectRatio = value;
  } else if (name === 'model' && /^[\w.:/-]{1,64}$/.test(value)) {
    settings.model = value;
  } else {
    throw new AppError('invalid_option', {
      vars: { option: name ?? '?', value, allowed: `locale=${LOCALES.join('|')}, aspect=${ASPECT_RATIOS.join('|')}` },
    });
  }
  await context.deps.prisma.user.update({
    where: { id: context.account.id },
    data: { settings, ...(name === 'locale' ? { locale } : {}) },
  });
  context.locale = locale;
  context.account.settings = settings;
  return [textReply('settings.saved'), ...runSettings(context)];
}
