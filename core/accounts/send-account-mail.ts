import type { CoreDeps } from '#core/core-deps';
import { translate, type MessageKey } from '#core/i18n/catalog';
import { normalizeLocale } from '#core/i18n/locales';
import { paragraphsOf, renderMail } from '#core/mail/render-mail';

/**
 * The emails the account pages send. Each one's template is `mail.<kind>.subject` and
 * `mail.<kind>.body` in the catalogs: the body's paragraphs, its link on a line of its own.
 */
export type AccountMailKind =
  | 'verify_email'
  | 'password_reset'
  | 'change_email'
  | 'email_changed'
  | 'data_request'
  | 'account_linked';

/**
 * Sends one localized account email with its link, as text and HTML. `locale` is the account's
 * stored language, or the request's when there is no account yet. A mail failure is logged and reported as
 * `false`: the page still answers the same (it never tells whether an address has an account).
 */
export async function sendAccountMail(
  deps: Pick<CoreDeps, 'mailer' | 'logger' | 'config'>,
  input: { to: string; locale: string; kind: AccountMailKind; url?: string; vars?: Record<string, string | number> },
): Promise<boolean> {
  const locale = normalizeLocale(input.locale);
  const vars = { url: input.url ?? '', support: deps.config.supportEmail, site: deps.config.publicUrl, ...input.vars };
  try {
    const mail = renderMail(locale, deps.config, {
      subject: translate(locale, `mail.${input.kind}.subject` as MessageKey, vars),
      blocks: paragraphsOf(translate(locale, `mail.${input.kind}.body` as MessageKey, vars), input.url),
    });
    await deps.mailer.send({ to: input.to, ...mail });
    return true;
  } catch (error) {
    deps.logger.error({ err: error, kind: input.kind }, 'account mail not sent');
    return false;
  }
}
