import type { ReplyParameters } from 'grammy/types';

/** Where replies go: a chat, the message they answer, and the user they are for. */
export type ChatPlace = {
  chatId: string;
  chatType: 'private' | 'group' | 'channel';
  /** The request message; quoted in groups so everyone sees whose job it is. */
  replyToMessageId?: string | undefined;
  /** The user the replies are for; ephemeral replies in a group go to their private chat. */
  userId?: string | undefined;
};

/** Telegram takes numeric chat ids as numbers (and `@channel` names as strings). */
export function chatIdOf(place: ChatPlace): number | string {
  return /^-?\d{1,16}$/.test(place.chatId) ? Number(place.chatId) : place.chatId;
}

/**
 * Quotes the request in groups and channels; in a private chat the answer follows the question
 * anyway. Sent even when the request was deleted meanwhile (`allow_sending_without_reply`).
 */
export function replyParametersOf(place: ChatPlace): { reply_parameters?: ReplyParameters } {
  if (place.chatType === 'private' || !place.replyToMessageId || !/^\d+$/.test(place.replyToMessageId)) return {};
  return { reply_parameters: { message_id: Number(place.replyToMessageId), allow_sending_without_reply: true } };
}
