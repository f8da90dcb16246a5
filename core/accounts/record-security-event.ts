import type { Prisma, PrismaClient } from '#core/infra/db/create-database';

/** Where a web request came from; stored with security events (deleted after RETENTION_LOGIN_DAYS). */
export type RequestOrigin = { ip: string | undefined; userAgent: string | undefined };

/** The kinds of security events the web records. */
export type SecurityEventKind =
  | 'register'
  | 'login.succeeded'
  | 'login.failed'
  | 'login.throttled'
  | 'login.google'
  | 'logout'
  | 'email.verified'
  | 'email.change_requested'
  | 'email.changed'
  | 'email.change_undone'
  | 'logout.everywhere'
  | 'password.reset_requested'
  | 'password.reset'
  | 'password.cleared'
  | 'identity.linked'
  | 'identity.link_requested'
  | 'identity.removed'
  | 'account.merged'
  | 'terms.accepted'
  | 'privacy.export'
  | 'privacy.restriction'
  | 'privacy.objection';

/** Appends one security event with the request's IP and user agent. Never carries a password or token. */
export async function recordSecurityEvent(
  db: PrismaClient | Prisma.TransactionClient,
  input: {
    userId: string | null;
    kind: SecurityEventKind;
    origin: RequestOrigin;
    details?: Record<string, string | number | boolean | null>;
  },
): Promise<void> {
  await db.securityEvent.create({
    data: {
      userId: input.userId,
      kind: input.kind,
      ip: input.origin.ip?.slice(0, 64) ?? null,
      userAgent: input.origin.userAgent?.slice(0, 400) ?? null,
      details: input.details ?? {},
    },
  });
}
