import { isFollowUpQuestion, type ActionName } from '#core';
import type { DiscordCommandName } from '#bots/discord/command-definitions';

/**
 * How an interaction is acknowledged, decided before core answers because Discord wants an
 * answer within 3 seconds and fixes visibility at that moment.
 * - `defer: 'reply'`: deferReply; the answer replaces the "thinking…" placeholder.
 * - `defer: 'update'`: deferUpdate (buttons); the answer edits the message the button is on.
 * - `isPrivate`: only the user sees the answer and its follow-ups (ephemeral).
 * https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction
 */
export type Acknowledgement = { defer: 'reply' | 'update'; isPrivate: boolean };

/** Commands about the user's own account: answered so only they see it. */
const PRIVATE_COMMANDS: ReadonlySet<DiscordCommandName> = new Set([
  'start',
  'balance',
  'history',
  'models',
  'settings',
  'mydata',
  'deleteme',
  'link',
  'support',
  'cancel',
  'appeal',
]);

/** Buttons that start a job or repost a result: the answer is a new public message (the job's message). */
const NEW_MESSAGE_ACTIONS: ReadonlySet<ActionName> = new Set(['reroll', 'vary', 'upscale', 'as_file']);

/** The acknowledgement of a slash command. */
export function acknowledgementOfCommand(name: DiscordCommandName): Acknowledgement {
  return { defer: 'reply', isPrivate: PRIVATE_COMMANDS.has(name) };
}

/**
 * The acknowledgement of a button press. Follow-up jobs get a public message of their own, but
 * the question a Vary or an old Upscale asks first (how strongly, which picture) goes to the
 * presser alone; cancel leaves its message to the job's updates; re-sending from /history stays
 * private; on a private message the answer replaces it (terms, age, settings, delete); on a
 * public one the presser gets a private answer so nobody else's message changes.
 */
export function acknowledgementOfAction(
  action: { name: ActionName; arg: string },
  isOnPrivateMessage: boolean,
): Acknowledgement {
  const { name } = action;
  if (isFollowUpQuestion(action)) return { defer: 'reply', isPrivate: true };
  if (NEW_MESSAGE_ACTIONS.has(name)) return { defer: 'reply', isPrivate: false };
  if (name === 'cancel_job') return { defer: 'update', isPrivate: isOnPrivateMessage };
  if (name === 'resend' || !isOnPrivateMessage) return { defer: 'reply', isPrivate: true };
  return { defer: 'update', isPrivate: true };
}
