import { GrammyError, InputFile, InputMediaBuilder, type Api } from 'grammy';
import type { InlineKeyboardMarkup, InputMediaDocument, InputMediaPhoto, InputMediaVideo } from 'grammy/types';
import { translate, type Locale, type MediaItem, type Reply } from '#core';
import { chatIdOf, replyParametersOf, type ChatPlace } from '#bots/telegram/chat-place';
import { inlineKeyboardOf } from '#bots/telegram/keyboard';
import { fit, MAX_CAPTION, MAX_TEXT, textOf } from '#bots/telegram/reply-text';

type MediaReply = Extract<Reply, { type: 'media' }>;
type SendKind = 'photo' | 'video' | 'animation' | 'document';
type Planned = { item: MediaItem; kind: SendKind };

/** Upload limits (https://core.telegram.org/bots/api#sending-files): 10 MB a photo, 50 MB any other file. */
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const MAX_FILE_BYTES = 50 * 1024 * 1024;
/** A media group holds 2-10 items (https://core.telegram.org/bots/api#sendmediagroup). */
const MAX_GROUP = 10;
const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
};
/** Telegram refuses some pictures as photos (too wide, too large after decoding): they go as files. */
const PHOTO_REFUSED = /PHOTO_INVALID_DIMENSIONS|PHOTO_SAVE_FILE_INVALID|IMAGE_PROCESS_FAILED/;

/**
 * Sends a job's results. One item: a photo (video, animation for `image/gif`, or a file with
 * `asFile`) with the caption and the buttons. Several: media groups, which take no keyboard, then
 * a message with the caption and the buttons. An item over the upload limit becomes a message
 * with its signed link.
 */
export async function sendMediaReply(api: Api, place: ChatPlace, reply: MediaReply, locale: Locale): Promise<void> {
  const caption = reply.caption ? fit(textOf(locale, reply.caption), MAX_CAPTION) : undefined;
  const keyboard = inlineKeyboardOf(reply.buttons, locale);
  const planned = reply.items.map((item): Planned => ({ item, kind: sendKindOf(item, reply.asFile === true) }));
  const sendable = planned.filter(fitsUpload);
  for (const { item } of planned.filter((entry) => !fitsUpload(entry))) {
    await api.sendMessage(
      chatIdOf(place),
      translate(locale, 'job.too_large_link', { url: item.url }),
      replyParametersOf(place),
    );
  }
  const [only] = sendable;
  if (only && sendable.length === 1) {
    await sendOne(api, place, reply, only, { caption, keyboard });
    return;
  }
  if (sendable.length > 1) {
    if (isGroupable(sendable)) {
      for (let start = 0; start < sendable.length; start += MAX_GROUP)
        await sendGroup(api, place, reply, sendable.slice(start, start + MAX_GROUP));
    } else {
      for (const entry of sendable) await sendOne(api, place, reply, entry, {});
    }
  }
  if (caption || keyboard) {
    await api.sendMessage(chatIdOf(place), fit(caption ?? translate(locale, 'status.succeeded'), MAX_TEXT), {
      ...(keyboard ? { reply_markup: keyboard } : {}),
      ...replyParametersOf(place),
    });
  }
}

function sendKindOf(item: MediaItem, asFile: boolean): SendKind {
  if (asFile) return 'document';
  if (item.mime === 'image/gif') return 'animation';
  if (item.mime.startsWith('video/')) return 'video';
  if (item.mime.startsWith('image/')) return 'photo';
  return 'document';
}

function fitsUpload(entry: Planned): boolean {
  return entry.item.sizeBytes <= (entry.kind === 'photo' ? MAX_PHOTO_BYTES : MAX_FILE_BYTES);
}

/** Photos and videos can share a group, documents only with documents; animations never. */
function isGroupable(entries: Planned[]): boolean {
  return (
    entries.every((entry) => entry.kind === 'photo' || entry.kind === 'video') ||
    entries.every((entry) => entry.kind === 'document')
  );
}

/** Every upload is named: Telegram shows the name for files, and grammY needs one for the multipart part. */
function fileOf(reply: MediaReply, item: MediaItem, bytes: Buffer): InputFile {
  return new InputFile(
    bytes,
    `${reply.kind}-${item.assetId.slice(0, 8)}.${(Object.hasOwn(EXTENSIONS, item.mime) ? EXTENSIONS[item.mime] : undefined) ?? 'bin'}`,
  );
}

async function sendOne(
  api: Api,
  place: ChatPlace,
  reply: MediaReply,
  entry: Planned,
  extra: { caption?: string | undefined; keyboard?: InlineKeyboardMarkup | undefined },
): Promise<void> {
  const bytes = await entry.item.load();
  const chatId = chatIdOf(place);
  const other = {
    ...(extra.caption ? { caption: extra.caption } : {}),
    ...(extra.keyboard ? { reply_markup: extra.keyboard } : {}),
    ...replyParametersOf(place),
  };
  switch (entry.kind) {
    case 'photo':
      try {
        await api.sendPhoto(chatId, fileOf(reply, entry.item, bytes), other);
      } catch (error) {
        if (!(error instanceof GrammyError && PHOTO_REFUSED.test(error.description))) throw error;
        await api.sendDocument(chatId, fileOf(reply, entry.item, bytes), other);
      }
      return;
    case 'video':
      await api.sendVideo(chatId, fileOf(reply, entry.item, bytes), other);
      return;
    case 'animation':
      await api.sendAnimation(chatId, fileOf(reply, entry.item, bytes), other);
      return;
    case 'document':
      await api.sendDocument(chatId, fileOf(reply, entry.item, bytes), other);
      return;
  }
}

async function sendGroup(api: Api, place: ChatPlace, reply: MediaReply, entries: Planned[]): Promise<void> {
  const [only] = entries;
  if (only && entries.length === 1) {
    await sendOne(api, place, reply, only, {});
    return;
  }
  const files = await Promise.all(
    entries.map(async (entry) => ({ entry, file: fileOf(reply, entry.item, await entry.item.load()) })),
  );
  if (files.every(({ entry }) => entry.kind === 'document')) {
    const media: InputMediaDocument[] = files.map(({ file }) => InputMediaBuilder.document(file));
    await api.sendMediaGroup(chatIdOf(place), media, replyParametersOf(place));
    return;
  }
  const media: (InputMediaPhoto | InputMediaVideo)[] = files.map(({ entry, file }) =>
    entry.kind === 'video' ? InputMediaBuilder.video(file) : InputMediaBuilder.photo(file),
  );
  await api.sendMediaGroup(chatIdOf(place), media, replyParametersOf(place));
}
