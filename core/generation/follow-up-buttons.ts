import type { Button } from '#core/chat/reply';
import type { CoreDeps } from '#core/core-deps';
import { canUpscale, offeredModels } from '#core/providers/route-model';

/** How far a Vary may move from its picture (img2img `denoising_strength`). */
export const VARY_STRENGTHS = { subtle: 0.35, strong: 0.7 } as const;
export type VaryStrength = keyof typeof VARY_STRENGTHS;

/**
 * What a per-picture button points at: a generation, one of its pictures (1-based, in the order
 * they were delivered) and, for a Vary, how strongly. Buttons sent before pictures had buttons of
 * their own carry the generation id alone.
 */
export type FollowUpRef = { generationId: string; picture?: number; strength?: VaryStrength };

const UUID = /^[0-9a-f-]{36}$/;

/** The button argument of `ref`: `<id>:<picture>[:subtle|strong]`, at most 47 bytes. */
export function followUpArg(ref: FollowUpRef): string {
  return [ref.generationId, ref.picture, ref.strength].filter((part) => part !== undefined).join(':');
}

/** Reads `followUpArg` output, or an old button's bare generation id; undefined for anything else. */
export function parseFollowUpArg(arg: string): FollowUpRef | undefined {
  const [generationId = '', picture, strength, ...rest] = arg.split(':');
  if (!UUID.test(generationId) || rest.length > 0) return undefined;
  if (picture === undefined) return { generationId };
  if (!/^[1-9]$/.test(picture)) return undefined;
  if (strength !== undefined && strength !== 'subtle' && strength !== 'strong') return undefined;
  return { generationId, picture: Number(picture), ...(strength ? { strength } : {}) };
}

/**
 * Whether pressing this Upscale or Vary button asks a question (which picture, how strongly)
 * rather than starting a job, so an adapter can show the question to the presser alone.
 */
export function isFollowUpQuestion(action: { name: string; arg: string }): boolean {
  if (action.name !== 'upscale' && action.name !== 'vary') return false;
  const ref = parseFollowUpArg(action.arg);
  return ref !== undefined && (ref.picture === undefined || (action.name === 'vary' && ref.strength === undefined));
}

/** Which follow-ups on a picture this deployment can serve: an Upscale needs a model that upscales, a Vary one that edits. */
export function pictureFollowUps(deps: Pick<CoreDeps, 'config' | 'providers'>): { upscale: boolean; vary: boolean } {
  const models = offeredModels(deps, 'image');
  return {
    upscale: models.some((model) => canUpscale(deps, model)),
    vary: models.some((model) => model.capabilities.edit),
  };
}

/**
 * The per-picture rows of a result: U1…Un then V1…Vn (one row each, at most 4 buttons, within
 * Discord's 5 per row), or "Upscale" and "Vary" side by side for a single picture. A row is left
 * out where `offers` says no (see `pictureFollowUps`).
 */
export function pictureButtonRows(
  generationId: string,
  pictures: number,
  offers: { upscale: boolean; vary: boolean },
): Button[][] {
  const numbers = Array.from({ length: pictures }, (_, index) => index + 1);
  const upscale = offers.upscale
    ? numbers.map(
        (n): Button => ({
          label: pictures === 1 ? { key: 'job.upscale_button' } : { key: 'job.upscale_picture_button', vars: { n } },
          action: { name: 'upscale', arg: followUpArg({ generationId, picture: n }) },
        }),
      )
    : [];
  const vary = offers.vary
    ? numbers.map(
        (n): Button => ({
          label: pictures === 1 ? { key: 'job.vary_button' } : { key: 'job.vary_picture_button', vars: { n } },
          action: { name: 'vary', arg: followUpArg({ generationId, picture: n }) },
        }),
      )
    : [];
  if (pictures === 1) return upscale.length + vary.length > 0 ? [[...upscale, ...vary]] : [];
  return [upscale, vary].filter((row) => row.length > 0);
}

/** The question a V button asks: a subtle or a strong variation of picture `picture`. */
export function varyStrengthRow(generationId: string, picture: number): Button[] {
  return (['subtle', 'strong'] as const).map((strength) => ({
    label: { key: strength === 'subtle' ? 'job.vary_subtle_button' : 'job.vary_strong_button' },
    action: { name: 'vary', arg: followUpArg({ generationId, picture, strength }) },
  }));
}
