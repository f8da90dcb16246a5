import type { BaseInteraction } from 'discord.js';
import { normalizeLocale, type Core } from '#core';
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from '#bots/discord/delivery-data';
import type { RenderOptions } from '#bots/discord/render-reply';

/** Rendering options for answers to an interaction: the user's client language and the chat's upload limit. */
export function renderOptionsOf(core: Core, interaction: BaseInteraction): RenderOptions {
  return {
    locale: normalizeLocale(interaction.locale),
    attachmentSizeLimit: interaction.attachmentSizeLimit || DEFAULT_ATTACHMENT_SIZE_LIMIT,
    supportEmail: core.settings.supportEmail,
  };
}
