import type { ChatContext } from '#core/chat/chat-context';
import type { InputAttachment } from '#core/chat/command-request';
import { textReply, type Reply } from '#core/chat/reply';
import { runCancel, runGenerate } from '#core/chat/commands/generate';
import { hasAcceptedTerms, runDecline, termsPrompt } from '#core/chat/commands/onboarding';
import {
  forgetPendingInput,
  PENDING_INPUT_TTL_MS,
  rememberPendingInput,
  takePendingInput,
  type PendingAttachment,
  type PendingInput,
  type PendingInputKey,
} from '#core/chat/pending-input';
import { runRemixSubmit } from '#core/chat/commands/remix-result';
import { isAppError } from '#core/errors/app-error';
import { TERMS_VERSION } from '#core/legal/terms-version';

/** The pending-input row of this request's chat and user. */
export function pendingKeyOf(context: ChatContext): PendingInputKey {
  const { request } = context;
  return { platform: request.actor.platform, chatId: request.chat.id, platformUserId: request.actor.platformUserId };
}

/** The minutes a question stays open, for the texts that say so. */
export const PENDING_INPUT_MINUTES = Math.round(PENDING_INPUT_TTL_MS / 60_000);

/** The Cancel button under a question the bot waits to have answered. */
export const CANCEL_INPUT_BUTTON = {
  label: { key: 'input.cancel_button' },
  action: { name: 'cancel_input', arg: '' },
} as const;

/**
 * A message that is no command, in a private chat (in a shared chat it is not for us: nothing).
 * - a photo without text: "What should I change?"; the next text from the user here is the instruction;
 * - text (or a photo's caption): a prompt, run as `/imagine <text>` (the photo attached); when the
 *   bot waits for an answer here (a photo's instruction, a template's subject) and the question
 *   has not expired, the text answers it, exactly once.
 * In a group the adapter passes only replies to the bot: they answer a Remix question of this
 * user here, and are nothing otherwise.
 */
export async function runPlainMessage(context: ChatContext): Promise<Reply[]> {
  const { request } = context;
  if (!request.message) return [];
  if (request.chat.type !== 'private') return runRemixAnswer(context, request.message.text.trim());
  const text = request.message.text.trim();
  const photo = request.attachments?.[0];
  if (text === '') {
    if (!photo) return [];
    if (!hasAcceptedTerms(context)) return [termsPrompt(context)];
    if (!photo.ref || !request.fetchAttachment) return [textReply('imagine.usage')];
    await rememberPendingInput(context.deps, pendingKeyOf(context), {
      userId: context.account.id,
      now: context.now,
      kind: 'photo_edit',
      eventId: request.eventId,
      attachment: { ref: photo.ref, mime: photo.mime, sizeBytes: photo.sizeBytes },
    });
    return [
      textReply('input.photo_question', { minutes: PENDING_INPUT_MINUTES }, { buttons: [[CANCEL_INPUT_BUTTON]] }),
    ];
  }
  const pending = await takePendingInput(
    context.deps,
    pendingKeyOf(context),
    ['photo_edit', 'template_subject', 'remix_prompt'],
    context.now,
  );
  if (pending?.kind === 'remix_prompt' && pending.generationId) return answerRemix(context, pending, text);
  if (pending?.kind === 'template_subject' && pending.templateId)
    return runGenerateOrKeep(context, 'image', `${text} --template ${pending.templateId}`);
  if (pending?.kind === 'photo_edit' && pending.attachment && !photo)
    return runGenerateOrKeep(withAttachment(context, pending.attachment), 'image', text);
  return runGenerateOrKeep(context, 'image', text);
}

/** A reply in a group: the new prompt of this user's Remix here, if one is asked for. */
async function runRemixAnswer(context: ChatContext, text: string): Promise<Reply[]> {
  if (text === '') return [];
  const pending = await takePendingInput(context.deps, pendingKeyOf(context), ['remix_prompt'], context.now);
  return pending?.generationId ? answerRemix(context, pending, text) : [];
}

/**
 * The answer to a Remix question, exactly once. Refused for what the user wrote (empty, too long,
 * a bad option, blocked), the question stays open for another try; refused for the result (gone,
 * another user's), it is closed.
 */
async function answerRemix(context: ChatContext, pending: PendingInput, text: string): Promise<Reply[]> {
  const generationId = pending.generationId ?? '';
  try {
    return await runRemixSubmit(context, generationId, text);
  } catch (error) {
    if (isAppError(error) && error.code !== 'job_not_found' && error.code !== 'not_job_owner')
      await rememberPendingInput(context.deps, pendingKeyOf(context), {
        userId: context.account.id,
        now: context.now,
        kind: 'remix_prompt',
        eventId: pending.eventId,
        generationId,
      });
    throw error;
  }
}

/**
 * /imagine and /video. Before the terms are accepted, the prompt (and its photo, by reference)
 * is kept for {@link PENDING_INPUT_TTL_MS} and the terms are shown; once accepted, it runs once
 * (see {@link runKeptPrompt}).
 */
export async function runGenerateOrKeep(context: ChatContext, kind: 'image' | 'video', args: string): Promise<Reply[]> {
  if (hasAcceptedTerms(context)) return runGenerate(context, kind, args);
  const photo = context.request.attachments?.[0];
  const attachment =
    photo?.ref && context.request.fetchAttachment
      ? { ref: photo.ref, mime: photo.mime, sizeBytes: photo.sizeBytes }
      : undefined;
  if (args.trim() !== '' || attachment) {
    await rememberPendingInput(context.deps, pendingKeyOf(context), {
      userId: context.account.id,
      now: context.now,
      kind: 'prompt',
      eventId: context.request.eventId,
      text: args,
      mediaKind: kind,
      ...(attachment ? { attachment } : {}),
    });
  }
  return [termsPrompt(context)];
}

/**
 * After the age confirmation that accepted the terms: the prompt kept from before, run once
 * under the event id of the message that sent it (a second press, or a race of two, finds it
 * taken). Nothing when the terms were accepted already or the confirmation was for old terms.
 */
export async function runKeptPrompt(context: ChatContext, shownVersion: string): Promise<Reply[]> {
  if (hasAcceptedTerms(context) || shownVersion !== TERMS_VERSION) return [];
  const kept = await takePendingInput(context.deps, pendingKeyOf(context), ['prompt'], context.now);
  if (!kept?.mediaKind) return [];
  const { account, now, request } = context;
  const accepted: ChatContext = {
    ...context,
    account: { ...account, termsAcceptedAt: now, termsVersion: TERMS_VERSION, ageConfirmedAt: now },
    request: { ...request, eventId: kept.eventId },
  };
  return runGenerate(
    kept.attachment ? withAttachment(accepted, kept.attachment) : accepted,
    kept.mediaKind,
    kept.text ?? '',
  );
}

/** Declined terms or under age: a prompt kept for after the terms is forgotten at once. */
export async function runDeclineForgetting(context: ChatContext, reason: 'terms' | 'age'): Promise<Reply[]> {
  if (!hasAcceptedTerms(context)) await takePendingInput(context.deps, pendingKeyOf(context), ['prompt'], context.now);
  return runDecline(context, reason);
}

/** The Cancel button under a question: it is forgotten. */
export async function runCancelInput(context: ChatContext): Promise<Reply[]> {
  const wasPending = await forgetPendingInput(context.deps, pendingKeyOf(context), context.now);
  return [textReply(wasPending ? 'input.cancelled' : 'input.nothing_pending')];
}

/** /cancel: an open question of the bot's first; otherwise the user's newest waiting job. */
export async function runCancelCommand(context: ChatContext): Promise<Reply[]> {
  if (await forgetPendingInput(context.deps, pendingKeyOf(context), context.now)) return [textReply('input.cancelled')];
  return runCancel(context, undefined);
}

/** The context with a photo sent earlier as the request's attachment, fetched again through the adapter. */
function withAttachment(context: ChatContext, stored: PendingAttachment): ChatContext {
  const { fetchAttachment } = context.request;
  if (!fetchAttachment) return context;
  const attachment: InputAttachment = {
    mime: stored.mime,
    sizeBytes: stored.sizeBytes,
    ref: stored.ref,
    fetch: () => fetchAttachment(stored.ref),
  };
  return { ...context, request: { ...context.request, attachments: [attachment] } };
}
