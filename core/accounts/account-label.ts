/**
 * How one side of a link is named to the other: the website account to the chat (display name
 * and masked email), the chat account to the website (platform, username, display name). Names
 * are chosen by their owners, so they are reduced to plain text before they reach a chat
 * (no `{key}` placeholders, no Markdown or link syntax Discord would render).
 */

const MAX_NAME = 40;

/** `alice@example.com` -> `a***@example.com`: enough to recognise one's own address, not to harvest it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

/** A user-chosen name as plain text: letters, digits, spaces and a little punctuation (. , ' @ _ -), at most 40 characters. */
export function plainName(name: string | null | undefined): string {
  const kept = (name ?? '')
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}\p{M} .,'@_-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return kept.length > MAX_NAME ? `${kept.slice(0, MAX_NAME - 1)}…` : kept;
}

/** The website account as a chat shows it: `Alice (a***@example.com)`, or whichever part exists. */
export function webAccountLabel(user: { displayName: string | null; email: string | null }): string {
  const name = plainName(user.displayName);
  const email = user.email ? maskEmail(user.email) : '';
  if (name && email) return `${name} (${email})`;
  return name || email || '{link.unnamed_account}';
}

/** A chat account as messages name it: `@alice (Alice Smith)`, or whichever part exists. */
export function chatAccountLabel(input: {
  username?: string | null | undefined;
  displayName?: string | null | undefined;
  platformUserId: string;
}): string {
  const username = input.username ? `@${plainName(input.username)}` : '';
  const name = plainName(input.displayName);
  if (username && name) return `${username} (${name})`;
  return username || name || `id ${input.platformUserId}`;
}
