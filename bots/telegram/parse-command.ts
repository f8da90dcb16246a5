import type { MessageEntity } from 'grammy/types';

/** A slash command at the start of a text or caption: `/imagine@my_bot a fox` → `imagine`, `my_bot`, `a fox`. */
export type ParsedCommand = { name: string; mention: string | undefined; args: string };

/**
 * Reads the command a message starts with. Only a `bot_command` entity at offset 0 counts, as in
 * Telegram's clients (https://core.telegram.org/bots/features#commands); anything else is not a
 * command. The name is lower-cased; the arguments keep their inner line breaks.
 */
export function parseCommand(
  text: string | undefined,
  entities: readonly MessageEntity[] | undefined,
): ParsedCommand | undefined {
  if (!text) return undefined;
  const entity = entities?.find((candidate) => candidate.type === 'bot_command' && candidate.offset === 0);
  if (!entity || entity.length < 2) return undefined;
  const [name = '', mention] = text.slice(1, entity.length).split('@', 2);
  return { name: name.toLowerCase(), mention: mention || undefined, args: text.slice(entity.length).trim() };
}
