import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Button, type Reply } from '#core/chat/reply';
import { AppError } from '#core/errors/app-error';
import { LOCALES, type Locale } from '#core/i18n/locales';
import { listOfferedModels } from '#core/models/list-offered-models';
import { ASPECT_RATIOS } from '#core/providers/ports';

const ASPECT_CHOICES = ['1:1', '16:9', '9:16', '4:3'] as const;

const MODELS_PER_ROW = 3;

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
    const rows: Button[][] = [];
    // Three a row: Discord shows five rows at most, and language and aspect take two.
    for (let index = 0; index < buttons.length; index += MODELS_PER_ROW)
      rows.push(buttons.slice(index, index + MODELS_PER_ROW));
    return rows;
  };
  return [
    {
      type: 'message',
      text: [
        {
          key: 'settings.text',
          vars: {
            locale: context.locale,
            aspect: account.settings.aspectRatio ?? '1:1',
            model: account.settings.model ?? '{settings.model_default}',
          },
        },
        { key: 'settings.video_model', vars: { model: account.settings.videoModel ?? '{settings.model_default}' } },
      ],
      buttons: [
        LOCALES.map((locale) => ({
          label: { key: 'settings.language_button' as const, vars: { locale } },
          action: { name: 'set' as const, arg: `locale=${locale}` },
        })),
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

/**
 * A settings button: `locale=zh-CN`, `aspect=16:9`, `model=id` or `video_model=id` (an offered
 * model, or `auto` for none). Anything else is refused and changes nothing.
 */
export async function runSet(context: ChatContext, arg: string): Promise<Reply[]> {
  const [name, value = ''] = arg.split('=', 2);
  const settings = { ...context.account.settings };
  let locale: Locale = context.locale;
  if (name === 'locale' && (LOCALES as readonly string[]).includes(value)) {
    settings.locale = value;
    locale = value as Locale;
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
