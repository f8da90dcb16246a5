import type { IdentityProvider, UserRole, UserStatus } from '#core/infra/db/generated/enums';

/** Platforms a chat command can come from. */
export type Platform = 'telegram' | 'discord';

/** What core needs to know of a user on every request. */
export type Account = {
  id: string;
  locale: string;
  role: UserRole;
  status: UserStatus;
  suspendedReason: string | null;
  suspendedUntil: Date | null;
  termsAcceptedAt: Date | null;
  termsVersion: string | null;
  ageConfirmedAt: Date | null;
  isProcessingRestricted: boolean;
  hasObjectedToAnalytics: boolean;
  creditDebt: number;
  settings: AccountSettings;
};

/** Per-user preferences changed in /settings. */
export type AccountSettings = {
  /** A locale the user picked; overrides the platform's language. */
  locale?: string;
  aspectRatio?: string;
  /** The default image model (our id in the models file). */
  model?: string;
  /** The default video model. */
  videoModel?: string;
};

/** The columns that make an `Account`. */
export const ACCOUNT_SELECT = {
  id: true,
  locale: true,
  role: true,
  status: true,
  suspendedReason: true,
  suspendedUntil: true,
  termsAcceptedAt: true,
  termsVersion: true,
  ageConfirmedAt: true,
  isProcessingRestricted: true,
  hasObjectedToAnalytics: true,
  creditDebt: true,
  settings: true,
} as const;

/** Turns a selected row into an `Account`. */
export function toAccount(row: Omit<Account, 'settings'> & { settings: unknown }): Account {
  const settings = typeof row.settings === 'object' && row.settings !== null ? (row.settings as AccountSettings) : {};
  return { ...row, settings };
}

/** Maps a chat platform to its identity provider. */
export function identityProviderOf(platform: Platform): IdentityProvider {
  return platform;
}
