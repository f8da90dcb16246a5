import type { CoreDeps } from '#core/core-deps';
import { isAppError } from '#core/errors/app-error';
import type { Platform } from '#core/accounts/account';
import { webAccountLabel } from '#core/accounts/account-label';
import { announceNewLink } from '#core/accounts/announce-new-link';
import { hashToken } from '#core/accounts/create-link-token';
import { mergeAccounts } from '#core/accounts/merge-accounts';
import type { RequestOrigin } from '#core/accounts/record-security-event';

/** Who pressed the button, as the platform told us. */
export type LinkPresser = {
  platform: Platform;
  platformUserId: string;
  username?: string | undefined;
  displayName?: string | undefined;
};

/**
 * What pressing the confirm (or cancel) button of a link did. Every outcome but `linked` and
 * `cancelled` changed nothing; `account` names the website account concerned.
 */
export type ChatLinkOutcome =
  | { outcome: 'linked'; account: string; movedCredits: number; forfeitedBonus: number }
  | { outcome: 'cancelled'; account: string }
  /** This chat already uses that website account (a repeated press, or the link was made before). */
  | { outcome: 'already_linked'; account: string }
  /** This chat account already belongs to another website account. */
  | { outcome: 'linked_elsewhere'; account: string }
  /** The request was answered before (confirmed, cancelled, or replaced after an unreachable chat). */
  | { outcome: 'used' }
  | { outcome: 'expired' }
  /** A button of someone else's chat account. */
  | { outcome: 'not_yours' }
  /** A job of the chat account holds credits; the button stays valid. */
  | { outcome: 'busy'; account: string }
  /** Unknown, or its website account is gone. */
  | { outcome: 'invalid' };

type Deps = Pick<CoreDeps, 'prisma' | 'clock' | 'notifiers' | 'logger' | 'mailer' | 'config'>;

type ConfirmRow = {
  id: string;
  userId: string | null;
  usedAt: Date | null;
  expiresAt: Date;
  platform: unknown;
  platformUserId: unknown;
  webUserId: unknown;
};

async function findConfirmRow(deps: Deps, token: string): Promise<ConfirmRow | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const row = await deps.prisma.oneTimeToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (row?.kind !== 'account_link_confirm') return undefined;
  const payload = (row.payload ?? {}) as Record<string, unknown>;
  return {
    id: row.id,
    userId: row.userId,
    usedAt: row.usedAt,
    expiresAt: row.expiresAt,
    platform: payload.platform,
    platformUserId: payload.platformUserId,
    webUserId: payload.webUserId,
  };
}

async function labelOf(deps: Deps, userId: string): Promise<string | undefined> {
  const user = await deps.prisma.user.findUnique({
    where: { id: userId },
    select: { displayName: true, email: true, status: true },
  });
  return user && user.status !== 'deleted' ? webAccountLabel(user) : undefined;
}

/** The label of a website account (one with an email, a password or a Google sign-in); undefined for a chat-only account. */
async function webLabelOfAccount(deps: Deps, userId: string): Promise<string | undefined> {
  const user = await deps.prisma.user.findUnique({
    where: { id: userId },
    select: {
      displayName: true,
      email: true,
      passwordHash: true,
      identities: { where: { provider: { in: ['google', 'email'] } }, select: { id: true } },
    },
  });
  if (!user || (user.email === null && user.passwordHash === null && user.identities.length === 0)) return undefined;
  return webAccountLabel(user);
}

/**
 * The state a stale or foreign press is answered from: the request is read whatever its state,
 * and the answer says what is true now (linked to which account, expired, someone else's).
 */
async function staleOutcome(
  deps: Deps,
  row: ConfirmRow | undefined,
  presser: LinkPresser,
  accountId: string,
): Promise<ChatLinkOutcome> {
  if (row && (row.platform !== presser.platform || row.platformUserId !== presser.platformUserId))
    return { outcome: 'not_yours' };
  const current = await webLabelOfAccount(deps, accountId);
  if (row && typeof row.webUserId === 'string' && row.webUserId === accountId && current)
    return { outcome: 'already_linked', account: current };
  if (current) return { outcome: row ? 'linked_elsewhere' : 'already_linked', account: current };
  if (!row) return { outcome: 'invalid' };
  if (row.usedAt !== null) return { outcome: 'used' };
  return row.expiresAt <= deps.clock.now() ? { outcome: 'expired' } : { outcome: 'used' };
}

/**
 * The chat half of linking: the chat user pressed "Confirm" on the message the website half
 * sent (it names the website account). Only the chat account the request was made for, pressing
 * within 10 minutes, once, joins it into the website account (`mergeAccounts`); then the link is
 * announced by email and in the account's other chats. Any other press changes nothing and is
 * answered from the current state.
 */
export async function confirmLinkInChat(
  deps: Deps,
  input: { token: string; presser: LinkPresser; accountId: string; origin: RequestOrigin },
): Promise<ChatLinkOutcome> {
  const now = deps.clock.now();
  const row = await findConfirmRow(deps, input.token);
  const isUsable =
    row !== undefined &&
    row.usedAt === null &&
    row.expiresAt > now &&
    row.userId === input.accountId &&
    row.platform === input.presser.platform &&
    row.platformUserId === input.presser.platformUserId &&
    typeof row.webUserId === 'string';
  if (!row || !isUsable) return staleOutcome(deps, row, input.presser, input.accountId);
  const webUserId = row.webUserId as string;
  const account = await labelOf(deps, webUserId);
  const claimed = await deps.prisma.oneTimeToken.updateMany({
    where: { id: row.id, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (claimed.count !== 1) return staleOutcome(deps, row, input.presser, input.accountId);
  if (!account) return { outcome: 'invalid' };
  try {
    const merged = await mergeAccounts(deps, {
      fromUserId: input.accountId,
      intoUserId: webUserId,
      actor: `user:${input.presser.platform}:${input.presser.platformUserId}`,
      origin: input.origin,
    });
    await deps.prisma.identity.updateMany({
      where: { provider: input.presser.platform, subject: input.presser.platformUserId },
      data: { username: input.presser.username ?? null },
    });
    await announceNewLink(deps, { userId: webUserId, presser: input.presser });
    return { outcome: 'linked', account, movedCredits: merged.movedCredits, forfeitedBonus: merged.forfeitedBonus };
  } catch (error) {
    if (!isAppError(error) || error.code !== 'conflict') throw error;
    if (error.message === 'the chat account has a job running') {
      // The press did nothing: give the button back so it works once the job is done.
      await deps.prisma.oneTimeToken.updateMany({ where: { id: row.id, usedAt: now }, data: { usedAt: null } });
      return { outcome: 'busy', account };
    }
    return staleOutcome(deps, row, input.presser, input.accountId);
  }
}

/**
 * "Cancel" on the link message: the request is used up without joining anything. A stale or
 * foreign press is answered like a stale confirm.
 */
export async function cancelLinkInChat(
  deps: Deps,
  input: { token: string; presser: LinkPresser; accountId: string },
): Promise<ChatLinkOutcome> {
  const now = deps.clock.now();
  const row = await findConfirmRow(deps, input.token);
  const isMine =
    row !== undefined &&
    row.userId === input.accountId &&
    row.platform === input.presser.platform &&
    row.platformUserId === input.presser.platformUserId;
  if (!row || !isMine || typeof row.webUserId !== 'string')
    return staleOutcome(deps, row, input.presser, input.accountId);
  const claimed = await deps.prisma.oneTimeToken.updateMany({
    where: { id: row.id, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (claimed.count !== 1) return staleOutcome(deps, row, input.presser, input.accountId);
  return { outcome: 'cancelled', account: (await labelOf(deps, row.webUserId)) ?? '{link.unnamed_account}' };
}
