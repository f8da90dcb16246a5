import { z } from 'zod';

/** Slash commands every chat platform offers. */
export const COMMAND_NAMES = [
  'start',
  'help',
  'imagine',
  'video',
  'balance',
  'buy',
  'templates',
  'models',
  'history',
  'settings',
  'link',
  'privacy',
  'terms',
  'mydata',
  'deleteme',
  'support',
  'cancel',
  'paysupport',
  'appeal',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Actions behind buttons. Encoded into at most 64 bytes (Telegram's callback_data limit). */
export const ACTION_NAMES = [
  'accept_terms',
  'decline_terms',
  'confirm_age',
  'deny_age',
  'pick_template',
  'reroll',
  'vary',
  'upscale',
  'cancel_job',
  'confirm_delete',
  'abort_delete',
  'set',
  'buy_pack',
  'resend',
  'as_file',
  'templates_page',
  'confirm_link',
  'cancel_link',
  'cancel_input',
  'remix',
  'remix_job',
  'remix_submit',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/**
 * Buttons that answer a one-time question (the terms, the age): once pressed, adapters remove
 * the buttons from that message, so an old one cannot be pressed again by mistake.
 */
export const ONE_TIME_ACTIONS: ReadonlySet<ActionName> = new Set<ActionName>([
  'accept_terms',
  'decline_terms',
  'confirm_age',
  'deny_age',
]);

/** An image the user sent with the command (Telegram photo, Discord attachment). Fetched only when needed. */
export type InputAttachment = {
  mime: string;
  sizeBytes: number | undefined;
  fetch(): Promise<Buffer>;
  /** The platform's lasting reference to the file (Telegram `file_id`), so it can be fetched again later with `CommandRequest.fetchAttachment`. */
  ref?: string;
};

export const ChatActorSchema = z.object({
  platform: z.enum(['telegram', 'discord']),
  platformUserId: z.string().regex(/^\d{1,25}$/),
  locale: z.string().max(35).optional(),
  username: z.string().max(64).optional(),
  /** The name the platform shows (Telegram first and last name, Discord display name); named when linking. */
  displayName: z.string().max(128).optional(),
});

export const ChatPlaceSchema = z.object({
  id: z.string().min(1).max(64),
  type: z.enum(['private', 'group', 'channel']),
  /** The message to reply to (Telegram message id); undefined for Discord interactions. */
  messageId: z.string().max(64).optional(),
  /** Whether a reply can be shown to the user alone here (Discord ephemeral); private chats always can. */
  canReplyPrivately: z.boolean().optional(),
  /** Whether the adapter passes this chat's messages without a command to core (Telegram private chats), so the bot may ask and wait for an answer. */
  takesPlainMessages: z.boolean().optional(),
  /** Platform data the adapter needs to deliver late results (e.g. Discord interaction token). */
  delivery: z.record(z.string(), z.string()).optional(),
});

/**
 * One user input, platform-neutral. Built by an adapter from an update or interaction, then
 * `core.chat.run(request)` answers with `Reply[]`.
 */
export type CommandRequest = {
  eventId: string;
  actor: z.infer<typeof ChatActorSchema>;
  chat: z.infer<typeof ChatPlaceSchema>;
  command?: { name: CommandName; args: string };
  action?: { name: ActionName; arg: string };
  attachments?: InputAttachment[];
  /**
   * A message that is no command (the adapter sends these from private chats only): a prompt,
   * a photo to edit (with `attachments`), or the answer to a question the bot asked.
   */
  message?: { text: string };
  /** Fetches a file the user sent earlier by its `InputAttachment.ref` (a photo the bot asked about). */
  fetchAttachment?: (ref: string) => Promise<Buffer>;
};

/** Encodes an action for a button (≤ 64 bytes). */
export function encodeAction(name: ActionName, arg = ''): string {
  const encoded = `${ACTION_NAMES.indexOf(name).toString(36)}:${arg}`;
  if (Buffer.byteLength(encoded) > 64) throw new Error(`action ${name} argument too long`);
  return encoded;
}

/** Decodes `encodeAction` output; undefined for anything malformed or unknown. */
export function decodeAction(data: string): { name: ActionName; arg: string } | undefined {
  const match = /^([0-9a-z]{1,2}):(.{0,62})$/s.exec(data);
  if (!match) return undefined;
  const name = ACTION_NAMES[Number.parseInt(match[1] ?? '', 36)];
  return name ? { name, arg: match[2] ?? '' } : undefined;
}
