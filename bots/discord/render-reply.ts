import type { APIActionRowComponent, APIButtonComponent } from 'discord.js';
import { translate, type Locale, type MediaItem, type Reply, type Text } from '#core';
import { renderButtons, truncate } from '#bots/discord/render-buttons';

/** A file to upload with a message. */
export type DiscordFile = { name: string; data: Buffer; contentType: string };

/**
 * One reply as a Discord message, independent of how it is sent (interaction response,
 * follow-up, webhook edit or channel message).
 * - `isPrivate`: only the user may see it (ephemeral in an interaction, a DM otherwise).
 * - `isJobMessage`: the one message of a job (status, then result) that later updates edit.
 */
export type DiscordMessage = {
  content: string;
  components: APIActionRowComponent<APIButtonComponent>[];
  files: DiscordFile[];
  isPrivate: boolean;
  isJobMessage: boolean;
};

/** What rendering needs besides the reply. */
export type RenderOptions = {
  locale: Locale;
  /** Uploads larger than this (in total) go as links instead. */
  attachmentSizeLimit: number;
  /** Named in the "buying is unavailable" message that replaces a Telegram-only invoice. */
  supportEmail: string | undefined;
};

/** Discord's message content limit. https://discord.com/developers/docs/resources/message#create-message */
const MAX_CONTENT = 2000;

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'application/json': 'json',
};

/**
 * Turns one of core's replies into a Discord message: texts translated and joined, buttons as
 * components, results as attachments (`image.png`, `image-2.png`, …) while they fit the chat's
 * upload limit and as signed links after that. An invoice (Telegram Stars only) becomes the
 * "buying is unavailable" message.
 */
export async function renderReply(reply: Reply, options: RenderOptions): Promise<DiscordMessage> {
  const locale = reply.locale ?? options.locale;
  const text = (texts: Text | Text[] | undefined): string =>
    (texts === undefined ? [] : Array.isArray(texts) ? texts : [texts])
      .map((item) => translate(locale, item.key, item.vars))
      .join('\n');
  switch (reply.type) {
    case 'message':
      return message(text(reply.text), renderButtons(reply.buttons, locale), [], {
        isPrivate: reply.ephemeral === true,
        isJobMessage: false,
      });
    case 'status':
      return message(text(reply.text), renderButtons(reply.buttons, locale), [], {
        isPrivate: false,
        isJobMessage: true,
      });
    case 'media': {
      const { files, links } = await attachMedia(reply.kind, reply.items, options.attachmentSizeLimit);
      const lines = [
        text(reply.caption),
        ...links.map((url) => translate(locale, 'job.too_large_link', { url })),
      ].filter(Boolean);
      return message(lines.join('\n'), renderButtons(reply.buttons, locale), files, {
        isPrivate: false,
        isJobMessage: true,
      });
    }
    case 'document':
      return message(text(reply.caption), [], [{ name: reply.filename, data: reply.bytes, contentType: reply.mime }], {
        isPrivate: reply.ephemeral === true,
        isJobMessage: false,
      });
    case 'prompt_question':
      // Shown as a form where Discord allows one (`handleRemixButton`); elsewhere as its text, privately.
      return message(text(reply.text), [], [], { isPrivate: true, isJobMessage: false });
    case 'invoice':
      return message(translate(locale, 'buy.unavailable', { support: options.supportEmail ?? '' }), [], [], {
        isPrivate: true,
        isJobMessage: false,
      });
  }
}

function message(
  content: string,
  components: DiscordMessage['components'],
  files: DiscordFile[],
  flags: Pick<DiscordMessage, 'isPrivate' | 'isJobMessage'>,
): DiscordMessage {
  return { content: truncate(content, MAX_CONTENT), components, files, ...flags };
}

async function attachMedia(
  kind: 'image' | 'video',
  items: MediaItem[],
  limit: number,
): Promise<{ files: DiscordFile[]; links: string[] }> {
  const files: DiscordFile[] = [];
  const links: string[] = [];
  let total = 0;
  for (const [index, item] of items.entries()) {
    if (total + item.sizeBytes > limit) {
      links.push(item.url);
      continue;
    }
    const data = await item.load();
    if (total + data.length > limit) {
      links.push(item.url);
      continue;
    }
    total += data.length;
    const name = `${kind}${index === 0 ? '' : `-${index + 1}`}.${(Object.hasOwn(EXTENSIONS, item.mime) ? EXTENSIONS[item.mime] : undefined) ?? 'bin'}`;
    files.push({ name, data, contentType: item.mime });
  }
  return { files, links };
}
