import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Button, type Reply } from '#core/chat/reply';
import { AppError } from '#core/errors/app-error';
import { isLocale, LOCALE_NAMES, LOCALES, type Locale } from '#core/i18n/locales';
import { listOfferedModels } from '#core/models/list-offered-models';
import { ASPECT_RATIOS } from '#core/providers/ports';

const ASPECT_CHOICES = ['1:1', '16:9', '9:16', '4:3'] as const;

/** Language buttons per row: Discord takes at most 5 buttons in a row, and 4 fit a phone's width. */
const LANGUAGES_PER_ROW = 4;

/** Model buttons per kind: one row of at most 5 (Discord shows 5 rows: 2 of languages, aspects, image and video models). */
const MODELS_PER_ROW = 5;

/** The `set` value that clears a default model (the models file's default order serves). */
const AUTOMATIC = 'auto';

/** /settings: current language and defaults, with buttons to change them (the default models among the offered ones). */
export function runSettings(context: ChatContext): Reply[] {
  const { account } = context;
  const modelButtons = (kind: 'image' | 'video'): Button[][] => {
    const setting = kind === 'image' ? 'model' : 'video_model';
    const buttons: Button[] = [
      {
        label: {
          key: kind === 'image' ? 'settings.model_button' : 'settings.video_model_button',
          vars: { name: '{settings.model_default}' },
        },
        action: { name: 'set', arg: `${setting}=${AUTOMATIC}` },
      },
      ...listOfferedModels(context.deps, kind).map(
        (model): Button => ({
          label: {
            key: kind === 'image' ? 'settings.model_button' : 'settings.video_model_button',
            vars: { name: model.name },
          },
          action: { name: 'set', arg: `${setting}=${model.id}` },
        }),
      ),
    ];
    // One row: more models than fit stay reachable with --model and Discord's autocomplete.
    return [buttons.slice(0, MODELS_PER_ROW)];
  };
  return [
    {
      type: 'message',
      text: [
        {
          key: 'settings.text',
          vars: {
            locale: LOCALE_NAMES[context.locale],
            aspect: account.settings.aspectRatio ?? '1:1',
            model: account.settings.model ?? '{settings.model_default}',
          },
        },
        { key: 'settings.video_model', vars: { model: account.settings.videoModel ?? '{settings.model_default}' } },
      ],
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
        ...modelButtons('image'),
        ...modelButtons('video'),
      ],
    },
  ];
}

function rowsOf<T>(items: readonly T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let start = 0; start < items.length; start += size) rows.push(items.slice(start, start + size));
  return rows;
}

/**
 * A settings button: `locale=zh-CN`, `aspect=16:9`, `model=id` or `video_model=id` (an offered
 * model, or `auto` for none). Anything else is refused and changes nothing.
 */
export async function runSet(context: ChatContext, arg: string): Promise<Reply[]> {
  const [name, value = ''] = arg.split('=', 2);
  const settings = { ...context.account.settings };
  let locale: Locale = context.locale;
  if (name === 'locale' && isLocale(value)) {
    settings.locale = value;
    locale = value;
  } else if (name === 'aspect' && (ASPECT_RATIOS as readonly string[]).includes(value)) {
    settings.aspectRatio = value;
  } else if (name === 'model' || name === 'video_model') {
    const kind = name === 'model' ? 'image' : 'video';
    const field = name === 'model' ? 'model' : 'videoModel';
    if (value === AUTOMATIC) delete settings[field];
    else if (listOfferedModels(context.deps, kind).some((model) => model.id === value)) settings[field] = value;
    else throw new AppError('model_not_offered', { vars: { model: value } });
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
