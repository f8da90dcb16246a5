import { createHmac, randomUUID } from 'node:crypto';
import type { Tx } from '#core/credits/ledger-transaction';
import type { IdentityProvider } from '#core/infra/db/generated/enums';

/**
 * Marks kept about a person after their account is gone: that an identity (a Telegram or Discord
 * user id, a Google subject, an email address) received the signup bonus, or belongs to a
 * suspension that has not ended. Only a keyed hash is stored, HMAC-SHA256 with the server's
 * `SESSION_SECRET`, so the table names nobody and cannot be reversed by guessing ids without
 * that secret. Rotating `SESSION_SECRET` makes the existing marks unrecognisable (they then only
 * wait for their purge).
 */

/** One way a person is known, before hashing. */
export type IdentityRef = { provider: IdentityProvider; subject: string };

const MARK_DOMAIN = 'identity-mark/v1';
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * An email reduced to the mailbox it reaches: trimmed, lower-case, without a `+tag`, and for
 * Gmail without dots (Gmail ignores both), so `A.B+2@googlemail.com` is `ab@gmail.com`.
 */
export function normalizeEmailForMark(email: string): string {
  const lower = email.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return lower;
  let local = lower.slice(0, at).split('+')[0] ?? '';
  let domain = lower.slice(at + 1);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  return `${local}@${domain}`;
}

/** The keyed hash stored for an identity (hex HMAC-SHA256 with `secret`). */
export function hashIdentity(secret: string, identity: IdentityRef): string {
  const subject = identity.provider === 'email' ? normalizeEmailForMark(identity.subject) : identity.subject.trim();
  return createHmac('sha256', secret).update(`${MARK_DOMAIN}\u0000${identity.provider}\u0000${subject}`).digest('hex');
}

/** The hashes of every identity in `identities`, without repeats. */
export function hashIdentities(secret: string, identities: readonly IdentityRef[]): string[] {
  return [...new Set(identities.map((identity) => hashIdentity(secret, identity)))];
}

/** Every identity of an account: its chat and Google identities and its email address. */
export async function identitiesOfAccount(tx: Tx, userId: string): Promise<IdentityRef[]> {
  const user = await tx.user.findUnique({
    where: { id: userId },
    select: { email: true, identities: { select: { provider: true, subject: true } } },
  });
  if (!user) return [];
  return [...user.identities, ...(user.email ? [{ provider: 'email' as const, subject: user.email }] : [])];
}

/**
 * Marks the identities as having received the signup bonus and tells whether none of them had
 * been marked before (then this account may have the bonus). Concurrent calls on the same
 * identity are ordered by the primary key: the second waits for the first and sees its mark.
 */
export async function claimBonusMarks(tx: Tx, hashes: readonly string[]): Promise<boolean> {
  if (hashes.length === 0) return false;
  const inserted = await tx.$queryRaw<{ identityHash: string }[]>`
    INSERT INTO bonus_marks ("identityHash") SELECT unnest(${hashes}::text[])
    ON CONFLICT ("identityHash") DO NOTHING RETURNING "identityHash"`;
  return inserted.length === hashes.length;
}

/**
 * Records that the identities belong to a suspension ending at `until` (null: until lifted). A
 * newer suspension replaces the end of an earlier mark, as it replaces the account's own end.
 * The marks join the group of any of them already marked (one person), else a new group.
 */
export async function markSuspendedIdentities(tx: Tx, hashes: readonly string[], until: Date | null): Promise<void> {
  if (hashes.length === 0) return;
  const existing = await tx.suspensionMark.findFirst({
    where: { identityHash: { in: [...hashes] } },
    select: { groupId: true },
  });
  const groupId = existing?.groupId ?? randomUUID();
  await tx.$executeRaw`
    INSERT INTO suspension_marks ("identityHash", "groupId", "until") SELECT unnest(${hashes}::text[]), ${groupId}::uuid, ${until}::timestamp(3)
    ON CONFLICT ("identityHash") DO UPDATE SET "until" = EXCLUDED."until"`;
}

/**
 * Removes the suspension marks of the identities and every mark in their groups (the suspension
 * was lifted: an identity of an erased earlier account, not on this one, is freed too).
 */
export async function clearSuspensionMarks(tx: Tx, hashes: readonly string[]): Promise<number> {
  if (hashes.length === 0) return 0;
  const groups = await tx.suspensionMark.findMany({
    where: { identityHash: { in: [...hashes] } },
    select: { groupId: true },
    distinct: ['groupId'],
  });
  return (
    await tx.suspensionMark.deleteMany({
      where: { OR: [{ identityHash: { in: [...hashes] } }, { groupId: { in: groups.map((group) => group.groupId) } }] },
    })
  ).count;
}

/**
 * The suspension a new account on these identities inherits: the latest end among their marks
 * that have not ended (`until: null` when one lasts until lifted), or undefined when none applies.
 */
export async function findInheritedSuspension(
  tx: Tx,
  hashes: readonly string[],
  now: Date,
): Promise<{ until: Date | null } | undefined> {
  if (hashes.length === 0) return undefined;
  const marks = await tx.suspensionMark.findMany({
    where: { identityHash: { in: [...hashes] }, OR: [{ until: null }, { until: { gt: now } }] },
    select: { until: true },
  });
  if (marks.length === 0) return undefined;
  if (marks.some((mark) => mark.until === null)) return { until: null };
  return { until: new Date(Math.max(...marks.map((mark) => mark.until?.getTime() ?? 0))) };
}
