import type { Chat, Message, User } from 'grammy/types';
import { COMMAND_NAMES, decodeAction, type CommandName, type CommandRequest } from '#core';
import { attachmentsOf, fetcherOf, type FileSource } from '#bots/telegram/telegram-attachment';
import { parseCommand } from '#bots/telegram/parse-command';

/** What the message handler does with a message. */
export type MessageIntent =
  /** A command of ours, or (in a private chat) a message for core: a prompt, a photo to edit, an answer. */
  | { kind: 'command'; request: CommandRequest }
  /** A `/word` that names no command of ours, addressed to this bot (or sent in a private chat). */
  | { kind: 'unknown_command' }
  /** Not for us: plain text in a group, another bot's command, a service message. */
  | { kind: 'ignore' };

/** The chat user as core's actor. */
export function actorOf(from: User): CommandRequest['actor'] {
  return {
    platform: 'telegram',
    platformUserId: String(from.id),
    ...(from.language_code ? { locale: from.language_code.slice(0, 35) } : {}),
    ...(from.username ? { username: from.username.slice(0, 64) } : {}),
    ...(from.first_name
      ? { displayName: [from.first_name, from.last_name].filter(Boolean).join(' ').slice(0, 128) }
      : {}),
  };
}

/** Telegram's chat types as core's: supergroups are groups. */
export function chatTypeOf(chat: Pick<Chat, 'type'>): 'private' | 'group' | 'channel' {
  if (chat.type === 'private') return 'private';
  if (chat.type === 'channel') return 'channel';
  return 'group';
}

/** A chat as core's place; in private chats plain messages reach core (see {@link intentOfMessage}). */
function placeOf(chat: Pick<Chat, 'id' | 'type'>, messageId: number): CommandRequest['chat'] {
  const type = chatTypeOf(chat);
  return {
    id: String(chat.id),
    type,
    messageId: String(messageId),
    ...(type === 'private' ? { takesPlainMessages: true } : {}),
  };
}

/**
 * A message as a command request: `/name[@bot] args` in the text, or in the caption of a photo
 * (its picture becomes the attachment). In groups, privacy mode delivers every command to every
 * bot, so a command for another bot (`@other_bot`) and unknown commands without our name are ignored.
 * In a private chat, a text or a photo without a command goes to core as a `message` (a prompt,
 * a photo to edit, or the answer to the bot's question); in groups it stays ignored.
 */
export function intentOfMessage(input: {
  eventId: string;
  message: Message;
  botUsername: string;
  files: FileSource;
}): MessageIntent {
  const { message } = input;
  const from = message.from;
  if (!from || from.is_bot || !message.chat) return { kind: 'ignore' };
  const parsed = parseCommand(
    message.text ?? message.caption,
    message.text !== undefined ? message.entities : message.caption_entities,
  );
  if (!parsed) {
    if (message.chat.type === 'private') return privateMessageIntent(input);
    return isReplyToUs(message, input.botUsername)
      ? privateMessageIntent(input, { textOnly: true })
      : { kind: 'ignore' };
  }
  const isForUs =
    parsed.mention === undefined ? true : parsed.mention.toLowerCase() === input.botUsername.toLowerCase();
  if (!isForUs) return { kind: 'ignore' };
  if (!(COMMAND_NAMES as readonly string[]).includes(parsed.name)) {
    return message.chat.type === 'private' || parsed.mention !== undefined
      ? { kind: 'unknown_command' }
      : { kind: 'ignore' };
  }
  const attachments = attachmentsOf(message, input.files);
  return {
    kind: 'command',
    request: {
      eventId: input.eventId,
      actor: actorOf(from),
      chat: placeOf(message.chat, message.message_id),
      command: { name: parsed.name as CommandName, args: parsed.args },
      ...(attachments.length > 0 ? { attachments } : {}),
      fetchAttachment: fetcherOf(input.files),
    },
  };
}

/**
 * A text replying to a message of this bot in a group: the answer to a question the bot asked with
 * a forced reply (a Remix's new prompt). Bots in privacy mode receive such replies too.
 */
function isReplyToUs(message: Message, botUsername: string): boolean {
  const author = message.reply_to_message?.from;
  return author?.is_bot === true && author.username?.toLowerCase() === botUsername.toLowerCase();
}

/**
 * A message without a command: its text or caption, and its picture (or the one it replies to).
 * `textOnly` (a group's reply to the bot): the text alone.
 */
function privateMessageIntent(
  input: { eventId: string; message: Message; files: FileSource },
  options: { textOnly?: boolean } = {},
): MessageIntent {
  const { message } = input;
  const raw: unknown = message.text ?? message.caption ?? '';
  // Malformed updates (a number as text, a sender without a numeric id) are not worth an answer.
  if (typeof raw !== 'string' || !message.from || typeof message.from.id !== 'number') return { kind: 'ignore' };
  const text = raw.trim();
  if (options.textOnly && (text === '' || message.text === undefined)) return { kind: 'ignore' };
  const attachments = options.textOnly ? [] : attachmentsOf(message, input.files);
  const hasOwnPicture = message.photo !== undefined || message.document !== undefined;
  if (text === '' && !(hasOwnPicture && attachments.length > 0)) return { kind: 'ignore' };
  return {
    kind: 'command',
    request: {
      eventId: input.eventId,
      actor: actorOf(message.from),
      chat: placeOf(message.chat, message.message_id),
      message: { text },
      ...(attachments.length > 0 ? { attachments } : {}),
      fetchAttachment: fetcherOf(input.files),
    },
  };
}

/**
 * A button press as a request, or undefined when the data is not one of our actions (old
 * buttons, forged data) or the button's message is unknown (inline mode).
 */
export function requestOfCallback(input: {
  eventId: string;
  from: User;
  data: string | undefined;
  message: Pick<Message, 'message_id' | 'chat'> | undefined;
  files?: FileSource;
}): CommandRequest | undefined {
  const action = input.data === undefined ? undefined : decodeAction(input.data);
  if (!action || !input.message || input.from.is_bot) return undefined;
  return {
    eventId: input.eventId,
    actor: actorOf(input.from),
    chat: placeOf(input.message.chat, input.message.message_id),
    action,
    // Accepting the terms runs a kept /imagine, whose photo is fetched again.
    ...(input.files ? { fetchAttachment: fetcherOf(input.files) } : {}),
  };
}
