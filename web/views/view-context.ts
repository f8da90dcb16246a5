import type { Request } from 'express';
import { isMessageKey, translate, type Locale, type MessageKey, type SessionUser, type VarsArgument } from '#core';

/** What every page needs: the language, a translator, the CSRF token, the signed-in person. */
export type ViewContext = {
  locale: Locale;
  /** Translates a key; for a literal key, the typecheck insists on the variables its message names. */
  t: <K extends MessageKey>(key: K, ...vars: VarsArgument<K>) => string;
  /** Translates a key built from data (a status, a kind); `fallback` (default: the raw value) when the catalog has no such key. */
  tx: (key: string, fallback: string, vars?: Record<string, string | number>) => string;
  csrfToken: string;
  user: SessionUser | undefined;
  path: string;
  supportEmail: string;
  isGoogleEnabled: boolean;
  /** The signed-in person may use the admin area (the navigation links to it). */
  isAdmin: boolean;
};

/** Builds the view context of a request. */
export function viewContext(
  request: Request,
  site: { supportEmail: string; isGoogleEnabled: boolean; isAdmin: (user: SessionUser | undefined) => boolean },
): ViewContext {
  const locale = request.locale;
  return {
    locale,
    t: (key, ...vars) => translate(locale, key, ...vars),
    tx: (key, fallback, vars) => (isMessageKey(key) ? translate(locale, key as MessageKey, vars) : fallback),
    csrfToken: request.csrfToken,
    user: request.user,
    path: request.originalUrl,
    supportEmail: site.supportEmail,
    isGoogleEnabled: site.isGoogleEnabled,
    isAdmin: site.isAdmin(request.user),
  };
}
