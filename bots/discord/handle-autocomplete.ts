import type { AutocompleteInteraction } from 'discord.js';
import { normalizeLocale, translate } from '#core';
import { OPTION } from '#bots/discord/command-definitions';
import type { InteractionContext } from '#bots/discord/interaction-context';
import { truncate } from '#bots/discord/render-buttons';

/** Discord shows at most 25 choices, names and values up to 100 characters. https://discord.com/developers/docs/interactions/application-commands#autocomplete */
const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;

/**
 * Autocomplete of `template` (templates whose id or name starts with what the user typed, in
 * their language) and of `model` (the offered models of the command's kind, named with their
 * price), as `{ name, value: id }`. Autocomplete cannot be deferred, so any failure answers
 * with no choices (and is logged) rather than leaving the menu spinning.
 */
export async function handleAutocomplete(
  interaction: AutocompleteInteraction,
  context: InteractionContext,
): Promise<void> {
  const focused = interaction.options.getFocused(true);
  if (focused.name === OPTION.model) {
    await interaction.respond(suggestModels(interaction, context, String(focused.value)));
    return;
  }
  if (focused.name !== OPTION.template) {
    await interaction.respond([]);
    return;
  }
  let choices: { name: string; value: string }[] = [];
  try {
    const templates = await context.core.templates.suggest(String(focused.value), interaction.locale);
    choices = templates.slice(0, MAX_CHOICES).map((template) => ({
      name: truncate(template.name, MAX_CHOICE_LENGTH),
      value: template.id.slice(0, MAX_CHOICE_LENGTH),
    }));
  } catch (error) {
    context.log.error({ err: error }, 'template suggestions failed');
  }
  await interaction.respond(choices);
}

function suggestModels(
  interaction: AutocompleteInteraction,
  context: InteractionContext,
  prefix: string,
): { name: string; value: string }[] {
  const kind = interaction.commandName === 'video' ? 'video' : 'image';
  const locale = normalizeLocale(interaction.locale);
  try {
    return context.core.models.suggest(prefix, kind).map((model) => {
      const { perImage, perSecond, hdMultiplier } = model.price;
      const price =
        kind === 'image'
          ? translate(locale, 'web.pricing.per_image', { price: perImage ?? 0 })
          : translate(locale, 'web.pricing.per_second', { price: perSecond ?? 0 });
      const hd =
        hdMultiplier === null
          ? translate(locale, 'web.pricing.no_hd')
          : translate(locale, 'web.pricing.hd', { hd: hdMultiplier });
      return {
        name: truncate(`${model.name} · ${price} · ${hd}`, MAX_CHOICE_LENGTH),
        value: model.id.slice(0, MAX_CHOICE_LENGTH),
      };
    });
  } catch (error) {
    context.log.error({ err: error }, 'model suggestions failed');
    return [];
  }
}
