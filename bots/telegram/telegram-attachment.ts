import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import type { InputAttachment } from '#core';

/** The Bot API serves files up to 20 MB (https://core.telegram.org/bots/api#getfile). */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 30_000;
const IMAGE_DOCUMENT = /^image\/(png|jpeg|webp)$/;

/** Where and how to download files the user sent. */
export type FileSource = { api: Api; token: string; apiRoot: string };

/**
 * The picture a command came with: the largest size of the message's photo, an image sent as a
 * file, or the same from the message it replies to (`/imagine make it blue` as a reply to a photo).
 * Nothing is downloaded until core asks (`fetch`).
 */
export function attachmentsOf(message: Message, source: FileSource): InputAttachment[] {
  const file = pictureOf(message) ?? (message.reply_to_message ? pictureOf(message.reply_to_message) : undefined);
  if (!file) return [];
  return [
    { mime: file.mime, sizeBytes: file.sizeBytes, ref: file.fileId, fetch: () => downloadFile(source, file.fileId) },
  ];
}

/** Downloads a file the user sent earlier by its `file_id` (Telegram keeps file ids valid for the bot). */
export function fetcherOf(source: FileSource): (fileId: string) => Promise<Buffer> {
  return (fileId) => downloadFile(source, fileId);
}

function pictureOf(message: Message): { fileId: string; mime: string; sizeBytes: number | undefined } | undefined {
  const largest = message.photo?.at(-1);
  // Telegram re-encodes photos as JPEG.
  if (largest) return { fileId: largest.file_id, mime: 'image/jpeg', sizeBytes: largest.file_size };
  const document = message.document;
  if (document?.mime_type && IMAGE_DOCUMENT.test(document.mime_type))
    return { fileId: document.file_id, mime: document.mime_type, sizeBytes: document.file_size };
  return undefined;
}

/** getFile, then the download from `{apiRoot}/file/bot{token}/{file_path}`. Errors never carry the URL (it holds the token). */
async function downloadFile(source: FileSource, fileId: string): Promise<Buffer> {
  const file = await source.api.getFile(fileId);
  if (!file.file_path) throw new Error('Telegram returned no file_path for the attachment');
  if (file.file_size !== undefined && file.file_size > MAX_DOWNLOAD_BYTES)
    throw new Error(`attachment is ${file.file_size} bytes, over the download limit`);
  const response = await fetch(`${source.apiRoot}/file/bot${source.token}/${file.file_path}`, {
    signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`attachment download failed with HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_DOWNLOAD_BYTES)
    throw new Error(`attachment is ${bytes.length} bytes, over the download limit`);
  return bytes;
}
