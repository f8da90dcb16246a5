/**
 * The port for outgoing email: sign-in links, receipts, privacy exports. Implementations:
 * `createSmtpMailer` (any SMTP server) and `createOutboxMailer` (`.eml` files for development and
 * the embedded mode); `createMailer` picks one from the configuration.
 */

/** One message; the sender is fixed by configuration (`MAIL_FROM`). */
export type MailMessage = { to: string; subject: string; text: string; html?: string };

/** Sends email. Rejects with a {@link MailDeliveryError} when the message was not accepted. */
export interface Mailer {
  /** Resolves once the message was accepted (by the SMTP server, or written to the outbox). */
  send(message: MailMessage): Promise<{ messageId: string }>;
  /**
   * Deletes the messages to `address` that are still kept (the outbox's files), when an account is
   * erased; resolves to how many went. Absent where nothing is kept after sending (SMTP).
   */
  forgetRecipient?(address: string): Promise<number>;
}

/** The mail layer failed: the SMTP server refused or could not be reached, or the outbox could not be written. */
export class MailDeliveryError extends Error {
  /** The SMTP reply code when the server answered (e.g. 550), else undefined. */
  readonly responseCode: number | undefined;

  constructor(message: string, options: { cause?: unknown; responseCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'MailDeliveryError';
    this.responseCode = options.responseCode;
  }
}
