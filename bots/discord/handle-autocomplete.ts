import type { AutocompleteInteraction } from 'discord.js';
import { OPTION } from '#bots/discord/command-definitions';
import type { InteractionContext } from '#bots/discord/interaction-context';
import { truncate } from '#bots/discord/render-buttons';

/** Discord shows at most 25 choices, names and values up to 100 characters. https://discord.com/developers/docs/interactions/application-commands#autocomplete */
const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;

/**
 * Autocomplete of `template`: templates whose id or name starts with what the user typed, in
 * their language, as `{ name, value: id }`. Autocomplete cannot be deferred, so any failure
 * answers with no choices (and is logged) rather than leaving the menu spinning.
 */
export async function handleAutocomplete(
  interaction: AutocompleteInteraction,
  context: InteractionContext,
): Promise<void> {
  const focused = interaction.options.getFocused(true);
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
