import { AppError } from '#core/errors/app-error';
import { ASPECT_RATIOS, type AspectRatio } from '#core/providers/ports';

/** Everything a user can ask of one generation. */
export type GenerationOptions = {
  kind: 'image' | 'video';
  prompt: string;
  aspectRatio: AspectRatio | undefined;
  count: number;
  quality: 'standard' | 'hd';
  templateId: string | undefined;
  model: string | undefined;
  /** Undefined: the model's default length (5 s where it makes 5 s). */
  durationSeconds: number | undefined;
  seed: number | undefined;
  /** What the picture should not show (`--no words…`); undefined when not asked. */
  negativePrompt: string | undefined;
  /**
   * A follow-up on one stored picture (never typed): `upscale` enlarges it, `vary` edits it at
   * `strength`. Both take that picture as the input image.
   */
  operation?: 'upscale' | 'vary';
  /** How far a `vary` may move from the picture, 0..1 (see `ImageRequest.strength`). */
  strength?: number;
  /** Which follow-up of which picture this is (`upscale:2`, `vary:3:subtle`): a repeated press is told apart by it. */
  followUp?: string;
};

/** The largest seed taken: 32 bits unsigned, the range Stable Diffusion servers draw theirs from (so a shown seed can be typed back). */
const SEED_MAX = 2 ** 32 - 1;

/** The longest negative prompt taken, in characters. */
export const NEGATIVE_PROMPT_MAX_LENGTH = 500;

/** Video lengths users can ask for, in seconds. */
export const VIDEO_DURATIONS = [4, 5, 6, 8] as const;

/**
 * Parses `/imagine` and `/video` arguments: the prompt with `--ar 16:9`, `--n 2`, `--hd`,
 * `--template id`, `--model name`, `--seconds 5`, `--seed 42` anywhere in it, and `--no words…`
 * (every word up to the next option: what the picture should not show; `—` as typed by phones
 * counts as `--`). Unknown options and bad values throw naming what is allowed; nothing else is checked here.
 */
export function parseGenerationOptions(kind: 'image' | 'video', args: string): GenerationOptions {
  const tokens = args.replace(/[—–]/g, '--').split(/\s+/).filter(Boolean);
  const words: string[] = [];
  const options: GenerationOptions = {
    kind,
    prompt: '',
    aspectRatio: undefined,
    count: 1,
    quality: 'standard',
    templateId: undefined,
    model: undefined,
    durationSeconds: undefined,
    seed: undefined,
    negativePrompt: undefined,
  };
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] ?? '';
    if (!token.startsWith('--') || token.length < 3) {
      words.push(token);
      continue;
    }
    const name = token.slice(2).toLowerCase();
    const takeValue = (): string => {
      const value = tokens[index + 1];
      if (value === undefined || value.startsWith('--'))
        throw new AppError('invalid_option', { vars: { option: token, value: '—', allowed: allowedFor(name) } });
      index += 1;
      return value;
    };
    switch (name) {
      case 'ar':
      case 'aspect':
        options.aspectRatio = parseAspectRatio(token, takeValue());
        break;
      case 'n':
      case 'count': {
        const value = takeValue();
        if (kind === 'video') throw new AppError('unknown_option', { vars: { option: token } });
        options.count = parseCount(token, value);
        break;
      }
      case 'hd':
        options.quality = 'hd';
        break;
      case 'template':
      case 't':
        options.templateId = takeValue().toLowerCase();
        break;
      case 'model':
        options.model = takeValue();
        break;
      case 'seconds':
      case 's': {
        const value = takeValue();
        const seconds = Number(value);
        if (kind !== 'video') throw new AppError('unknown_option', { vars: { option: token } });
        if (!(VIDEO_DURATIONS as readonly number[]).includes(seconds))
          throw new AppError('invalid_option', { vars: { option: token, value, allowed: allowedFor('seconds') } });
        options.durationSeconds = seconds;
        break;
      }
      case 'seed': {
        const value = takeValue();
        const seed = Number(value);
        if (!Number.isInteger(seed) || seed < 0 || seed > SEED_MAX)
          throw new AppError('invalid_option', { vars: { option: token, value, allowed: allowedFor('seed') } });
        options.seed = seed;
        break;
      }
      case 'no': {
        const avoided: string[] = [];
        while (index + 1 < tokens.length && !(tokens[index + 1] ?? '').startsWith('--')) {
          index += 1;
          avoided.push(tokens[index] ?? '');
        }
        options.negativePrompt = parseNegativePrompt(token, avoided.join(' '));
        break;
      }
      default:
        throw new AppError('unknown_option', { vars: { option: token } });
    }
  }
  options.prompt = words.join(' ');
  return options;
}

/** A negative prompt as given, trimmed; `invalid_option` when empty or longer than {@link NEGATIVE_PROMPT_MAX_LENGTH}. */
function parseNegativePrompt(option: string, value: string): string {
  const text = value.trim();
  if (text === '' || text.length > NEGATIVE_PROMPT_MAX_LENGTH)
    throw new AppError('invalid_option', {
      vars: { option, value: text === '' ? '—' : `${text.slice(0, 20)}…`, allowed: allowedFor('no') },
    });
  return text;
}

/** An aspect ratio the providers know, or `invalid_option` naming `option` and the allowed ones. */
function parseAspectRatio(option: string, value: string): AspectRatio {
  if (!(ASPECT_RATIOS as readonly string[]).includes(value))
    throw new AppError('invalid_option', { vars: { option, value, allowed: allowedFor('ar') } });
  return value as AspectRatio;
}

/** A number of images, 1 to 4, or `invalid_option` naming `option`. */
function parseCount(option: string, value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 4)
    throw new AppError('invalid_option', { vars: { option, value: value.slice(0, 20), allowed: allowedFor('n') } });
  return count;
}

/** The image request of the web form, as typed (strings; empty means "not chosen"). */
export type ImageFormFields = {
  prompt: string;
  template: string;
  model: string;
  aspectRatio: string;
  count: string;
  hd: boolean;
  /** What the picture should not show; empty: nothing. */
  negative: string;
};

/**
 * The options of an image request made with the web form: the same checks and the same
 * defaults as `/imagine` (count 1, standard quality, the template's or the user's aspect ratio
 * and model when none is chosen). The prompt is taken as written: the form has a field for each
 * option, so `--` in it is text. Bad values throw `invalid_option` naming the field.
 */
export function imageOptionsFromForm(fields: ImageFormFields): GenerationOptions {
  const template = fields.template.trim().toLowerCase();
  const model = fields.model.trim();
  const aspectRatio = fields.aspectRatio.trim();
  return {
    kind: 'image',
    prompt: fields.prompt,
    aspectRatio: aspectRatio === '' ? undefined : parseAspectRatio('aspect ratio', aspectRatio),
    count: fields.count.trim() === '' ? 1 : parseCount('count', fields.count),
    quality: fields.hd ? 'hd' : 'standard',
    templateId: template === '' ? undefined : template,
    model: model === '' ? undefined : model,
    durationSeconds: undefined,
    seed: undefined,
    negativePrompt: fields.negative.trim() === '' ? undefined : parseNegativePrompt('negative prompt', fields.negative),
  };
}

function allowedFor(name: string): string {
  switch (name) {
    case 'ar':
    case 'aspect':
      return ASPECT_RATIOS.join(', ');
    case 'n':
    case 'count':
      return '1-4';
    case 'seconds':
    case 's':
      return VIDEO_DURATIONS.join(', ');
    case 'seed':
      return `0-${SEED_MAX}`;
    case 'no':
      return `1-${NEGATIVE_PROMPT_MAX_LENGTH} characters`;
    case 'template':
    case 't':
      return '/templates';
    default:
      return '…';
  }
}
