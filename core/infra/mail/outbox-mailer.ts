import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Logger } from '#core/infra/logger';
import { MailDeliveryError, type MailMessage, type Mailer } from '#core/infra/mail/mailer';

/**
 * A {@link Mailer} that writes each message as an RFC 822 `.eml` file into `outboxDir`
 * (`DATA_DIR/outbox`), so development and the embedded mode need no SMTP server and a developer
 * opens the sign-in link from the file. Nodemailer composes the message exactly as SMTP would send
 * it. Files are named `<UTC timestamp>-<id>.eml`, so a directory listing is in sending order, and
 * appear complete (written to a temporary name, then renamed). Nodemailer (~8 MiB) is loaded with
 * the first message: most processes never send one.
 */
export function createOutboxMailer(options: {
  outboxDir: string;
  from: string;
  logger: Logger;
  now?: () => Date;
}): Mailer {
  let transport: Promise<Transporter> | undefined;
  const transportOf = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' }),
    ));
  const now = options.now ?? (() => new Date());
  return {
    async send(message: MailMessage) {
      const info = await (await transportOf()).sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
      });
      const content = info.message;
      if (!Buffer.isBuffer(content)) throw new MailDeliveryError('nodemailer did not produce the message as a buffer');
      const timestamp = now().toISOString().replace(/[-:]/g, '').replace('.', '');
      const id =
        info.messageId
          .replace(/^<|>$/g, '')
          .split('@')[0]
          ?.replace(/[^A-Za-z0-9-]/g, '') || randomUUID();
      const file = path.join(options.outboxDir, `${timestamp}-${id}.eml`);
      const temporary = path.join(options.outboxDir, `.${randomUUID()}.tmp`);
      try {
        await fs.mkdir(options.outboxDir, { recursive: true });
        await fs.writeFile(temporary, content, { flag: 'wx' });
        await fs.rename(temporary, file);
      } catch (error) {
        await fs.rm(temporary, { force: true });
        throw new MailDeliveryError('the message could not be written to the outbox', { cause: error });
      }
      options.logger.info({ messageId: info.messageId, file }, 'mail written to the outbox');
      return { messageId: info.messageId };
    },
    async forgetRecipient(address: string) {
      const wanted = address.trim().toLowerCase();
      const names = await fs.readdir(options.outboxDir).catch(() => [] as string[]);
      let removed = 0;
      for (const name of names.filter((entry) => entry.endsWith('.eml'))) {
        const file = path.join(options.outboxDir, name);
        const content = await fs.readFile(file, 'latin1').catch(() => '');
        if (recipientsOf(content).includes(wanted)) {
          await fs.rm(file, { force: true });
          removed += 1;
        }
      }
      return removed;
    },
  };
}

/** The lower-case addresses in a message's `To:` header (with its folded continuation lines). */
function recipientsOf(message: string): string[] {
  const headerEnd = message.search(/\r?\n\r?\n/);
  const headers = (headerEnd < 0 ? message : message.slice(0, headerEnd)).replace(/\r?\n[ \t]+/g, ' ');
  const to = /^to:(.*)$/im.exec(headers)?.[1] ?? '';
  return [...to.matchAll(/[^\s<>",;]+@[^\s<>",;]+/g)].map((match) => match[0].toLowerCase());
}
