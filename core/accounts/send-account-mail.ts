import type { CoreDeps } from '#core/core-deps';
import { translate, type MessageKey } from '#core/i18n/catalog';
import { normalizeLocale } from '#core/i18n/locales';

/** The emails the account pages send; each has `mail.<kind>.subject` and `mail.<kind>.body` in the catalogs. */
export type AccountMailKind =
  | 'verify_email'
  | 'password_reset'
  | 'change_email'
  | 'email_changed'
  | 'data_request'
  | 'account_linked';

/**
 * Sends one localized account email with its link. A mail failure is logged and reported as
 * `false`: the page still answers the same (it never tells whether an address has an account).
 */
export async function sendAccountMail(
  deps: Pick<CoreDeps, 'mailer' | 'logger' | 'config'>,
  input: { to: string; locale: string; kind: AccountMailKind; url?: string; vars?: Record<string, string | number> },
): Promise<boolean> {
  const locale = normalizeLocale(input.locale);
  const vars = { url: input.url ?? '', support: deps.config.supportEmail, site: deps.config.publicUrl, ...input.vars };
  try {
    await deps.mailer.send({
      to: input.to,
      subject: translate(locale, `mail.${input.kind}.subject` as MessageKey, vars),
      text: translate(locale, `mail.${input.kind}.body` as MessageKey, vars),
    });
    return true;
  } catch (error) {
    deps.logger.error({ err: error, kind: input.kind }, 'account mail not sent');
    return false;
  }
}
