import type { Transporter } from 'nodemailer';
import type { Logger } from '#core/infra/logger';
import { MailDeliveryError, type MailMessage, type Mailer } from '#core/infra/mail/mailer';

/**
 * A {@link Mailer} over SMTP with nodemailer. `smtpUrl` carries host, port, credentials and TLS
 * (`smtp://user:pass@host:587`, `smtps://…:465`); see https://nodemailer.com/smtp/. One connection
 * per message: mail is rare here (sign-in links, receipts), so there is no pool to keep alive or close,
 * and nodemailer (~8 MiB) is loaded with the first message.
 */
export function createSmtpMailer(options: { smtpUrl: string; from: string; logger: Logger }): Mailer {
  let transport: Promise<Transporter> | undefined;
  const transportOf = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(options.smtpUrl)));
  return {
    async send(message: MailMessage) {
      try {
        const info = await (await transportOf()).sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
        });
        options.logger.info({ messageId: info.messageId }, 'mail sent');
        return { messageId: info.messageId };
      } catch (error) {
        const responseCode =
          error instanceof Error && 'responseCode' in error && typeof error.responseCode === 'number'
            ? error.responseCode
            : undefined;
        throw new MailDeliveryError('the SMTP server did not accept the message', {
          cause: error,
          ...(responseCode ? { responseCode } : {}),
        });
      }
    },
  };
}
