import type { Catalog } from '#core/catalog/catalog';
import type { AppConfig } from '#core/config/load-config';

/**
 * What the adapters (web, bots) show or need from the configuration and the catalog, read through
 * `Core.settings` rather than from the core's dependencies.
 */
export type AdapterSettings = {
  /** PUBLIC_URL without a trailing slash: links in pages and messages start with it. */
  publicUrl: string;
  supportEmail: string;
  /** NODE_ENV=production: secure cookies and the strict security headers. */
  isProduction: boolean;
  /** Signs session cookies and CSRF tokens. */
  sessionSecret: string;
  /** Where Google sign-in sends the browser, when it is configured. */
  googleIssuer: string | undefined;
  retention: { promptDays: number; loginDays: number };
  signupCredits: number;
  /** How long pack credits last; null: they never expire. */
  packValidDays: number | null;
  /** The credits of a referral, for the inviter and the invitee. */
  referral: Catalog['referral'];
};

/** The {@link AdapterSettings} of a configuration and a catalog. */
export function adapterSettingsOf(config: AppConfig, catalog: Catalog): AdapterSettings {
  return {
    publicUrl: config.publicUrl,
    supportEmail: config.supportEmail,
    isProduction: config.isProduction,
    sessionSecret: config.sessionSecret,
    googleIssuer: config.googleOAuth?.issuer,
    retention: { ...config.retention },
    signupCredits: config.signupCredits,
    packValidDays: catalog.packCreditsValidDays,
    referral: catalog.referral,
  };
}
