import type { ActionName } from '#core/chat/command-request';
import type { MessageKey, VarsArgument } from '#core/i18n/catalog';
import type { Locale } from '#core/i18n/locales';

/** A localized text: a catalog key and its variables. Adapters translate it in `render.ts`. */
export type Text = { key: MessageKey; vars?: Record<string, string | number> };

/** A button: an action to run, or a URL to open. */
export type Button = { label: Text; action?: { name: ActionName; arg: string }; url?: string };

/** A stored picture or video to send. `url` is a signed link to our own copy. */
export type MediaItem = {
  assetId: string;
  mime: string;
  sizeBytes: number;
  width?: number | undefined;
  height?: number | undefined;
  url: string;
  load(): Promise<Buffer>;
};

/**
 * What core answers, as pure data. Adapters turn each into platform calls.
 * - `message`: a text (several lines when an array) with optional buttons; `ephemeral` = only the
 *   user sees it (Discord).
 * - `status`: the one status message of a job, edited in place as the job moves on (`isProgress`:
 *   an update that never sends a new message).
 * - `media`: results; several become a media group, with buttons in a following message.
 * - `document`: a file such as the data export.
 * - `invoice`: a Telegram Stars invoice.
 * - `prompt_question`: asks for a new prompt (a result's Remix), prefilled with the old one: Telegram
 *   sends `text` with a forced reply, Discord opens a form whose submission runs `submit` with the
 *   typed prompt as `CommandRequest.message`.
 */
export type Reply = ReplyBody & {
  /** The language core chose for this user (their setting wins over the platform's); render in it. */
  locale?: Locale;
};

type ReplyBody =
  | { type: 'message'; text: Text | Text[]; buttons?: Button[][]; ephemeral?: boolean }
  | {
      type: 'status';
      generationId: string;
      text: Text;
      buttons?: Button[][];
      progress?: number;
      /** A progress update: it only edits the status message; when that is gone, nothing is sent. */
      isProgress?: boolean;
    }
  | {
      type: 'media';
      generationId: string;
      kind: 'image' | 'video';
      items: MediaItem[];
      /** One line, or several (the result's line, its seeds, then a note such as pictures that did not arrive). */
      caption?: Text | Text[];
      buttons?: Button[][];
      asFile?: boolean;
    }
  | {
      type: 'prompt_question';
      text: Text;
      /** The form's title (Discord's modal, at most 45 characters). */
      title: Text;
      /** The old prompt to edit (Discord's form field). */
      prefill: string;
      /** The old prompt, shortened for Telegram's input field placeholder (at most 64 characters). */
      placeholder: string;
      maxLength: number;
      submit: { name: ActionName; arg: string };
    }
  | { type: 'document'; filename: string; mime: string; bytes: Buffer; caption?: Text; ephemeral?: boolean }
  | { type: 'invoice'; packId: string; title: Text; description: Text; stars: number; payload: string };

type ReplyExtra = { buttons?: Button[][]; ephemeral?: boolean };

/** Shorthand for a text reply; for a literal key the typecheck insists on the variables its message names. */
export function textReply<K extends MessageKey>(key: K, ...rest: [...VarsArgument<K>, ReplyExtra?]): Reply {
  const [vars, extra = {}] = rest as unknown as [Text['vars'], ReplyExtra?];
  return { type: 'message', text: vars ? { key, vars } : { key }, ...extra };
}
