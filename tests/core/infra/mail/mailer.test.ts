import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer } from '#core/infra/mail/create-mailer';
import { MailDeliveryError } from '#core/infra/mail/mailer';
import { createOutboxMailer } from '#core/infra/mail/outbox-mailer';
import { createSmtpMailer } from '#core/infra/mail/smtp-mailer';
import { FakeSmtpServer } from '#tests/core/infra/mail/fake-smtp-server';
import { silentLogger } from '#tests/core/infra/test-kit';

const FROM = 'Imagine <no-reply@imagine.example>';

/** An RFC 822 message split into unfolded headers (lower-case names) and body. */
function parseMessage(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  expect(split).toBeGreaterThan(0);
  const headers = new Map<string, string>();
  for (const line of raw
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(split + 4) };
}

/** The parts of a multipart body, each parsed like a message. */
function partsOf(message: {
  headers: Map<string, string>;
  body: string;
}): Array<{ headers: Map<string, string>; body: string }> {
  const boundary = /boundary="?([^";]+)"?/.exec(message.headers.get('content-type') ?? '')?.[1];
  expect(boundary).toBeDefined();
  const [, ...sections] = message.body.split(`--${boundary}`);
  return sections
    .filter((section) => !section.startsWith('--'))
    .map((section) => parseMessage(section.replace(/^\r\n/, '')));
}

describe('mail', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mail-'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('outbox', () => {
    it('writes one parseable .eml per message, named by time and id', async () => {
      const outboxDir = path.join(dir, 'outbox');
      const mailer = createOutboxMailer({
        outboxDir,
        from: FROM,
        logger: silentLogger(),
        now: () => new Date('2025-03-09T12:34:56.789Z'),
      });
      const { messageId } = await mailer.send({
        to: 'ada@example.com',
        subject: 'Your sign-in link',
        text: 'Open https://imagine.example/login/abc to sign in.',
      });

      const files = await fs.readdir(outboxDir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^20250309T123456789Z-[A-Za-z0-9-]+\.eml$/);
      const raw = await fs.readFile(path.join(outboxDir, files[0]!), 'utf8');
      expect(raw).not.toMatch(/[^\r]\n/);
      const message = parseMessage(raw);
      expect(message.headers.get('from')).toBe(FROM);
      expect(message.headers.get('to')).toBe('ada@example.com');
      expect(message.headers.get('subject')).toBe('Your sign-in link');
      expect(message.headers.get('message-id')).toBe(messageId);
      expect(message.headers.get('mime-version')).toBe('1.0');
      expect(message.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(message.headers.has('date')).toBe(true);
      expect(message.body.trim()).toBe('Open https://imagine.example/login/abc to sign in.');
    });

    it('writes text and html as multipart/alternative', async () => {
      const mailer = createOutboxMailer({ outboxDir: dir, from: FROM, logger: silentLogger() });
      await mailer.send({
        to: 'ada@example.com',
        subject: 'Receipt',
        text: 'Paid 9.99 USD',
        html: '<p>Paid <b>9.99 USD</b></p>',
      });
      const [file] = await fs.readdir(dir);
      const message = parseMessage(await fs.readFile(path.join(dir, file!), 'utf8'));
      expect(message.headers.get('content-type')).toMatch(/^multipart\/alternative/);
      const parts = partsOf(message);
      expect(parts.map((part) => part.headers.get('content-type')?.split(';')[0])).toEqual(['text/plain', 'text/html']);
      expect(parts[0]!.body.trim()).toBe('Paid 9.99 USD');
      expect(parts[1]!.body.trim()).toBe('<p>Paid <b>9.99 USD</b></p>');
    });
  });

  describe('SMTP', () => {
    let server: FakeSmtpServer;
    let smtpUrl: string;

    beforeEach(async () => {
      server = new FakeSmtpServer({ rejectRecipient: 'nobody@example.com' });
      smtpUrl = `smtp://127.0.0.1:${await server.listen()}`;
    });

    afterEach(async () => {
      await server.close();
    });

    it('delivers the message to the SMTP server', async () => {
      const mailer = createSmtpMailer({ smtpUrl, from: FROM, logger: silentLogger() });
      const { messageId } = await mailer.send({
        to: 'ada@example.com',
        subject: 'Your sign-in link',
        text: 'Open the link.\r\n.\r\nA line with only a dot came before.',
        html: '<p>Open the link.</p>',
      });
      await server.waitForMessages(1);

      const [mail] = server.received;
      expect(mail!.from).toBe('no-reply@imagine.example');
      expect(mail!.to).toEqual(['ada@example.com']);
      const message = parseMessage(mail!.data);
      expect(message.headers.get('subject')).toBe('Your sign-in link');
      expect(message.headers.get('to')).toBe('ada@example.com');
      expect(message.headers.get('message-id')).toBe(messageId);
      const [text, html] = partsOf(message);
      expect(text!.body.trim()).toBe('Open the link.\r\n.\r\nA line with only a dot came before.');
      expect(html!.body.trim()).toBe('<p>Open the link.</p>');
    });

    it('rejects with MailDeliveryError carrying the SMTP code when the server refuses', async () => {
      const mailer = createSmtpMailer({ smtpUrl, from: FROM, logger: silentLogger() });
      const error = await mailer
        .send({ to: 'nobody@example.com', subject: 'Hi', text: 'Hi' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MailDeliveryError);
      expect((error as MailDeliveryError).responseCode).toBe(550);
      expect(server.received).toHaveLength(0);
    });

    it('createMailer uses SMTP when a URL is set and the outbox otherwise', async () => {
      const outboxDir = path.join(dir, 'outbox');
      await createMailer({ smtpUrl, from: FROM, outboxDir, logger: silentLogger() }).send({
        to: 'ada@example.com',
        subject: 'via smtp',
        text: 'x',
      });
      await server.waitForMessages(1);
      await expect(fs.readdir(outboxDir)).rejects.toMatchObject({ code: 'ENOENT' });

      await createMailer({ smtpUrl: undefined, from: FROM, outboxDir, logger: silentLogger() }).send({
        to: 'ada@example.com',
        subject: 'via outbox',
        text: 'x',
      });
      expect(await fs.readdir(outboxDir)).toHaveLength(1);
      expect(server.received).toHaveLength(1);
    });
  });
});
