import type { ChatContext } from '#core/chat/chat-context';
import type { Reply } from '#core/chat/reply';
import { PENDING_INPUT_MINUTES, pendingKeyOf } from '#core/chat/commands/chat-input';
import { admit, findOwnGeneration } from '#core/chat/commands/generate';
import { hasAcceptedTerms, termsPrompt } from '#core/chat/commands/onboarding';
import { rememberPendingInput, takePendingInput } from '#core/chat/pending-input';
import { AppError } from '#core/errors/app-error';
import { parseGenerationOptions, type GenerationOptions } from '#core/generation/parse-generation-options';

/** How much of the old prompt Telegram's input field shows as its placeholder (the Bot API allows 1-64 characters). */
const PLACEHOLDER_MAX_LENGTH = 64;

/** The options of a result as admission stored them. */
type StoredOptions = {
  subject?: string;
  aspectRatio?: GenerationOptions['aspectRatio'];
  count?: number;
  quality?: 'standard' | 'hd';
  durationSeconds?: number;
  negativePrompt?: string;
};

/**
 * The Remix button of a result: asks for a new prompt, prefilled with the old one. The user's
 * next answer here (a reply to the question, or in a private chat the next message) is the new
 * prompt, for {@link PENDING_INPUT_MINUTES} minutes; /cancel forgets it. Pressed twice, the later
 * question replaces the earlier (one pending prompt per chat and user). A result deleted in the
 * gallery or erased answers `job_not_found`, another user's `not_job_owner`, as Reroll does.
 */
export async function runRemixResult(context: ChatContext, generationId: string): Promise<Reply[]> {
  if (!hasAcceptedTerms(context)) return [termsPrompt(context)];
  const parent = await findOwnGeneration(context, generationId);
  const prompt = subjectOf(parent);
  if (prompt === '') throw new AppError('job_not_found');
  await rememberPendingInput(context.deps, pendingKeyOf(context), {
    userId: context.account.id,
    now: context.now,
    kind: 'remix_prompt',
    eventId: context.request.eventId,
    generationId: parent.id,
  });
  return [
    {
      type: 'prompt_question',
      text: { key: 'remix_result.question', vars: { prompt, minutes: PENDING_INPUT_MINUTES } },
      title: { key: 'remix_result.title' },
      prefill: prompt,
      placeholder: shorten(prompt, PLACEHOLDER_MAX_LENGTH),
      maxLength: context.deps.config.promptMaxLength,
      submit: { name: 'remix_submit', arg: parent.id },
    },
  ];
}

/**
 * The new prompt of a Remix: a job with the result's options (model, aspect ratio, number of
 * pictures, HD, negative prompt, template, video length) and the new words, admitted as
 * `/imagine` is (terms, moderation, price, limits), so a refused one charges nothing. Options
 * typed with the prompt (`--ar 16:9`) replace the kept ones. The seed is not kept: with other
 * words it would not give the same picture, and a new draw is what a remix asks for (`--seed`
 * with the prompt sets one). A result deleted since makes nothing.
 */
export async function runRemixSubmit(context: ChatContext, generationId: string, text: string): Promise<Reply[]> {
  if (!hasAcceptedTerms(context)) return [termsPrompt(context)];
  const parent = await findOwnGeneration(context, generationId);
  const stored = (parent.options ?? {}) as StoredOptions;
  const typed = parseGenerationOptions(parent.kind, text);
  const unset = parseGenerationOptions(parent.kind, '');
  const pick = <K extends keyof GenerationOptions>(key: K, kept: GenerationOptions[K]): GenerationOptions[K] =>
    typed[key] !== unset[key] ? typed[key] : kept;
  const options: GenerationOptions = {
    kind: parent.kind,
    prompt: typed.prompt,
    aspectRatio: pick('aspectRatio', stored.aspectRatio),
    count: pick('count', stored.count ?? 1),
    quality: pick('quality', stored.quality ?? 'standard'),
    templateId: pick('templateId', parent.templateId ?? undefined),
    model: pick('model', parent.model ?? undefined),
    durationSeconds: pick('durationSeconds', parent.kind === 'video' ? stored.durationSeconds : undefined),
    seed: typed.seed,
    negativePrompt: pick('negativePrompt', stored.negativePrompt),
  };
  return admit(context, options, { inputImage: undefined, eventId: context.request.eventId, parentId: parent.id });
}

/**
 * The Remix form submitted (Discord): its question is answered, so it is no longer pending here,
 * and the new prompt goes as {@link runRemixSubmit}.
 */
export async function runRemixForm(context: ChatContext, generationId: string, text: string): Promise<Reply[]> {
  await takePendingInput(context.deps, pendingKeyOf(context), ['remix_prompt'], context.now);
  return runRemixSubmit(context, generationId, text);
}

/** What the user wrote for a generation (without its template's words). */
function subjectOf(generation: { options: unknown; prompt: string | null }): string {
  return ((generation.options ?? {}) as StoredOptions).subject ?? generation.prompt ?? '';
}

function shorten(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}
