import type { ChatContext } from '#core/chat/chat-context';
import { runGenerateOrKeep } from '#core/chat/commands/chat-input';
import { textReply, type Reply } from '#core/chat/reply';
import { findSharedCreation, type RemixableCreation } from '#core/sharing/find-shared-creation';
import { REMIX_START_PREFIX } from '#core/sharing/share-slug';

/** Whether a `/start` payload opens a shared creation (`r_<slug>`). */
export function isRemixPayload(payload: string): boolean {
  return payload.startsWith(REMIX_START_PREFIX);
}

/**
 * `/start r_<slug>` (from a share page's Telegram link): the shared prompt with a button that
 * makes it, or why not: the page is gone (unknown, unpublished, deleted) or its owner kept the
 * prompt private.
 */
export async function runRemixStart(context: ChatContext, payload: string): Promise<Reply[]> {
  const slug = payload.slice(REMIX_START_PREFIX.length);
  const shared = await findSharedCreation(context.deps, slug);
  if (!shared) return [textReply('remix.not_found')];
  if (!shared.recipe) return [textReply('remix.prompt_private')];
  return [
    textReply(
      'remix.offer',
      { prompt: shared.recipe.prompt },
      { buttons: [[{ label: { key: 'remix.button' }, action: { name: 'remix', arg: slug } }]] },
    ),
  ];
}

/**
 * The remix button: the shared prompt and its options go down the normal `/imagine` (or
 * `/video`) path, so moderation, price, limits and the terms (kept until accepted) apply as
 * for a typed prompt. Checked again at the press: a page taken down since makes nothing.
 */
export async function runRemix(context: ChatContext, slug: string): Promise<Reply[]> {
  const shared = await findSharedCreation(context.deps, slug);
  if (!shared) return [textReply('remix.not_found')];
  if (!shared.recipe) return [textReply('remix.prompt_private')];
  const remix: RemixableCreation = {
    prompt: shared.recipe.prompt,
    options: { ...shared.recipe.options, kind: shared.kind },
  };
  return runGenerateOrKeep(context, remix.options.kind, remixArgs(remix));
}

/** The command text of a remix: the prompt with the options it was made with (not its seed). */
function remixArgs(remix: RemixableCreation): string {
  const { options } = remix;
  const flags = [
    options.aspectRatio ? `--ar ${options.aspectRatio}` : '',
    options.kind === 'image' && options.count && options.count > 1 ? `--n ${options.count}` : '',
    options.kind === 'image' && options.quality === 'hd' ? '--hd' : '',
    options.kind === 'video' && options.durationSeconds ? `--seconds ${options.durationSeconds}` : '',
  ].filter(Boolean);
  return [remix.prompt, ...flags].join(' ');
}
