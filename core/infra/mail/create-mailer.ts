import type { Logger } from '#core/infra/logger';
import type { Mailer } from '#core/infra/mail/mailer';
import { createOutboxMailer } from '#core/infra/mail/outbox-mailer';
import { createSmtpMailer } from '#core/infra/mail/smtp-mailer';

/**
 * Picks the {@link Mailer} for the configuration: SMTP when `smtpUrl` (`SMTP_URL`) is set, the
 * `.eml` outbox otherwise, so a fresh checkout sends sign-in mail without any setup.
 */
export function createMailer(options: {
  smtpUrl: string | undefined;
  from: string;
  outboxDir: string;
  logger: Logger;
}): Mailer {
  if (options.smtpUrl)
    return createSmtpMailer({ smtpUrl: options.smtpUrl, from: options.from, logger: options.logger });
  return createOutboxMailer({ outboxDir: options.outboxDir, from: options.from, logger: options.logger });
}
