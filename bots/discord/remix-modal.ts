import { LabelBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import { encodeAction, translate, type Locale, type Reply } from '#core';
import { truncate } from '#bots/discord/render-buttons';

type PromptQuestion = Extract<Reply, { type: 'prompt_question' }>;

/** The custom_id of the one text field of the form. */
export const PROMPT_FIELD = 'prompt';

/**
 * Discord's form limits: a title and a field's label of at most 45 characters, a text input of at
 * most 4,000. https://discord.com/developers/docs/components/reference#text-input
 */
const MAX_TITLE = 45;
const MAX_INPUT = 4000;

/**
 * Core's question for a new prompt as a modal: one paragraph field prefilled with the old prompt,
 * as long as core's prompt limit allows; its custom_id is the action to run on submit.
 */
export function remixModalOf(question: PromptQuestion, locale: Locale): ModalBuilder {
  const maxLength = Math.min(question.maxLength, MAX_INPUT);
  const input = new TextInputBuilder()
    .setCustomId(PROMPT_FIELD)
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(true)
    .setMinLength(1)
    .setMaxLength(maxLength)
    .setValue([...question.prefill].slice(0, maxLength).join(''));
  return new ModalBuilder()
    .setCustomId(encodeAction(question.submit.name, question.submit.arg))
    .setTitle(truncate(translate(locale, question.title.key, question.title.vars), MAX_TITLE))
    .addLabelComponents(
      new LabelBuilder()
        .setLabel(truncate(translate(locale, 'remix_result.field'), MAX_TITLE))
        .setTextInputComponent(input),
    );
}
