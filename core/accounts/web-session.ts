import { createHash, randomBytes } from 'node:crypto';
import type { UserRole, UserStatus } from '#core/infra/db/generated/enums';
import { TERMS_VERSION } from '#core/legal/terms-version';

/** How long a signed-in web session lasts without use. */
export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;
/** How long a session without a signed-in user lasts. */
export const PENDING_SESSION_TTL_MS = 60 * 60 * 1000;

/** State a session carries between requests (server-side only). */
export type WebSessionData = {
  /** Where to go after signing in. */
  returnTo?: string;
};

/** The signed-in person as the web sees them. */
export type SessionUser = {
  id: string;
  email: string | null;
  isEmailVerified: boolean;
  displayName: string | null;
  locale: string;
  role: UserRole;
  status: UserStatus;
  hasPassword: boolean;
  hasAcceptedTerms: boolean;
  isProcessingRestricted: boolean;
  hasObjectedToAnalytics: boolean;
};

/** The columns that make a {@link SessionUser}. */
export const SESSION_USER_SELECT = {
  id: true,
  email: true,
  emailVerifiedAt: true,
  displayName: true,
  locale: true,
  role: true,
  status: true,
  passwordHash: true,
  termsAcceptedAt: true,
  termsVersion: true,
  ageConfirmedAt: true,
  isProcessingRestricted: true,
  hasObjectedToAnalytics: true,
} as const;

type SessionUserRow = {
  id: string;
  email: string | null;
  emailVerifiedAt: Date | null;
  displayName: string | null;
  locale: string;
  role: UserRole;
  status: UserStatus;
  passwordHash: string | null;
  termsAcceptedAt: Date | null;
  termsVersion: string | null;
  ageConfirmedAt: Date | null;
  isProcessingRestricted: boolean;
  hasObjectedToAnalytics: boolean;
};

/** Turns a selected row into a {@link SessionUser} (the password hash never leaves this function). */
export function toSessionUser(row: SessionUserRow): SessionUser {
  return {
    id: row.id,
    email: row.email,
    isEmailVerified: row.emailVerifiedAt !== null,
    displayName: row.displayName,
    locale: row.locale,
    role: row.role,
    status: row.status,
    hasPassword: row.passwordHash !== null,
    hasAcceptedTerms: row.termsAcceptedAt !== null && row.ageConfirmedAt !== null && row.termsVersion === TERMS_VERSION,
    isProcessingRestricted: row.isProcessingRestricted,
    hasObjectedToAnalytics: row.hasObjectedToAnalytics,
  };
}

/** A new session id for the cookie: 256 random bits. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a cookie value can be a session id (anything else is ignored, not looked up). */
export function isSessionIdShape(sid: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(sid);
}

/**
 * The database key of a session: the SHA-256 of the cookie's id, so a copy of the table does
 * not hold usable session cookies.
 */
export function sessionKey(sid: string): string {
  return createHash('sha256').update(`web-session:${sid}`).digest('hex');
}
