import type { AdminActor, AdminDeps } from '#core/admin/admin-deps';
import { auditAdminAction } from '#core/admin/admin-deps';
import { AppError } from '#core/errors/app-error';
import type { IdentityProvider, UserRole, UserStatus } from '#core/infra/db/generated/enums';

/** How an operator names a user: an email, `telegram:<id>`, `discord:<id>` or the account's uuid. */
export type UserRef =
  | { kind: 'email'; email: string }
  | { kind: 'identity'; provider: Extract<IdentityProvider, 'telegram' | 'discord'>; subject: string }
  | { kind: 'id'; id: string };

/** An account as the admin tools show it. */
export type AdminUser = {
  id: string;
  email: string | null;
  displayName: string | null;
  role: UserRole;
  status: UserStatus;
  suspendedReason: string | null;
  suspendedUntil: Date | null;
  creditDebt: number;
  locale: string;
  mergedIntoId: string | null;
  createdAt: Date;
  deletedAt: Date | null;
  identities: { provider: IdentityProvider; subject: string; username: string | null }[];
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses a user reference; undefined when it is none of the accepted forms. */
export function parseUserRef(text: string): UserRef | undefined {
  const value = text.trim();
  const platform = /^(telegram|discord):(\d{1,25})$/i.exec(value);
  if (platform)
    return {
      kind: 'identity',
      provider: (platform[1] as string).toLowerCase() as 'telegram' | 'discord',
      subject: platform[2] as string,
    };
  if (UUID.test(value)) return { kind: 'id', id: value.toLowerCase() };
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return { kind: 'email', email: value.toLowerCase() };
  return undefined;
}

/** Finds a user without auditing (for the other admin use cases, which audit their own action). */
export async function resolveUser(deps: Pick<AdminDeps, 'prisma'>, ref: UserRef): Promise<AdminUser> {
  const where =
    ref.kind === 'id'
      ? { id: ref.id }
      : ref.kind === 'email'
        ? {
            OR: [
              { email: { equals: ref.email, mode: 'insensitive' as const } },
              { identities: { some: { provider: 'email' as const, subject: ref.email } } },
            ],
          }
        : { identities: { some: { provider: ref.provider, subject: ref.subject } } };
  const user = await deps.prisma.user.findFirst({
    where,
    include: {
      identities: { select: { provider: true, subject: true, username: true }, orderBy: { createdAt: 'asc' } },
    },
  });
  if (!user) throw new AppError('not_found', { message: `no user matches ${describeRef(ref)}` });
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    status: user.status,
    suspendedReason: user.suspendedReason,
    suspendedUntil: user.suspendedUntil,
    creditDebt: user.creditDebt,
    locale: user.locale,
    mergedIntoId: user.mergedIntoId,
    createdAt: user.createdAt,
    deletedAt: user.deletedAt,
    identities: user.identities,
  };
}

/**
 * `find-user`: the account behind a reference, audited as a look-up (the audit row names the
 * account and how it was looked up, not the email or platform id typed). Throws `not_found`.
 */
export async function findUser(deps: AdminDeps, input: { ref: UserRef; actor: AdminActor }): Promise<AdminUser> {
  const user = await resolveUser(deps, input.ref);
  await auditAdminAction(deps.prisma, {
    actor: input.actor,
    action: 'admin.find_user',
    targetUserId: user.id,
    details: { by: input.ref.kind === 'identity' ? input.ref.provider : input.ref.kind },
  });
  return user;
}

/** A reference as the operator typed it, for messages and audit details. */
export function describeRef(ref: UserRef): string {
  return ref.kind === 'id' ? ref.id : ref.kind === 'email' ? ref.email : `${ref.provider}:${ref.subject}`;
}
