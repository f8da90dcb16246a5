import fs from 'node:fs/promises';
import path from 'node:path';

/** One email the outbox mailer wrote, decoded. */
export type OutboxMail = { file: string; to: string; subject: string; text: string };

function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_whole, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_whole, kind: string, data: string) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeQuotedPrintable(data.replace(/_/g, ' ')),
  );
}

/** Every email in `DATA_DIR/outbox`, oldest first. */
export async function readOutbox(dataDir: string): Promise<OutboxMail[]> {
  const dir = path.join(dataDir, 'outbox');
  const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.eml')).sort();
  const mails: OutboxMail[] = [];
  for (const file of files) {
    const raw = await fs.readFile(path.join(dir, file), 'utf8');
    const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
    const headers = head.replace(/\r?\n[ \t]+/g, ' ');
    const header = (name: string) => decodeHeader(new RegExp(`^${name}: (.*)$`, 'im').exec(headers)?.[1]?.trim() ?? '');
    const body = rest.join('\n\n');
    const encoding = header('Content-Transfer-Encoding').toLowerCase();
    const text =
      encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : encoding === 'base64'
          ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
          : body;
    mails.push({ file, to: header('To'), subject: header('Subject'), text });
  }
  return mails;
}

/** The newest email to `to` whose link path starts with `pathPrefix`, and that link. */
export async function lastLinkTo(
  dataDir: string,
  to: string,
  pathPrefix: string,
): Promise<{ mail: OutboxMail; url: string }> {
  const mails = (await readOutbox(dataDir)).filter((mail) => mail.to.includes(to)).reverse();
  for (const mail of mails) {
    const url = new RegExp(`https?://\\S+${pathPrefix.replace(/[/]/g, '\\/')}\\S+`).exec(mail.text)?.[0];
    if (url) return { mail, url };
  }
  throw new Error(`no mail to ${to} with a ${pathPrefix} link; outbox has ${mails.length} for that address`);
}
