import fs from 'node:fs/promises';
import path from 'node:path';

/** One email the outbox mailer wrote, decoded: its plain-text part and its HTML part ('' when it has none). */
export type OutboxMail = { file: string; to: string; subject: string; text: string; html: string };

function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_whole, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function decodeHeader(value: string): string {
  // RFC 2047: whitespace between two encoded words is not part of the text.
  return value
    .replace(/(\?=)\s+(?==\?utf-8\?)/gi, '$1')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_whole, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

type MimePart = { headers: string; body: string };

function splitPart(raw: string): MimePart {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  return { headers: head.replace(/\r?\n[ \t]+/g, ' '), body: rest.join('\n\n') };
}

function headerOf(part: MimePart, name: string): string {
  return decodeHeader(new RegExp(`^${name}: (.*)$`, 'im').exec(part.headers)?.[1]?.trim() ?? '');
}

function decodeBody(part: MimePart): string {
  const encoding = headerOf(part, 'Content-Transfer-Encoding').toLowerCase();
  return encoding === 'quoted-printable'
    ? decodeQuotedPrintable(part.body)
    : encoding === 'base64'
      ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : part.body;
}

/** The decoded text/plain and text/html parts of a message (one part, or multipart/alternative). */
function partsOf(message: MimePart): { text: string; html: string } {
  const type = headerOf(message, 'Content-Type');
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || !boundary) {
    const body = decodeBody(message);
    return type.toLowerCase().startsWith('text/html') ? { text: '', html: body } : { text: body, html: '' };
  }
  const found = { text: '', html: '' };
  for (const chunk of message.body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const part = splitPart(chunk.replace(/^\r?\n/, ''));
    const partType = headerOf(part, 'Content-Type').toLowerCase();
    const body = decodeBody(part).replace(/\r?\n$/, '');
    if (partType.startsWith('text/plain')) found.text = body;
    else if (partType.startsWith('text/html')) found.html = body;
  }
  return found;
}

/** Every email in `DATA_DIR/outbox`, oldest first. */
export async function readOutbox(dataDir: string): Promise<OutboxMail[]> {
  const dir = path.join(dataDir, 'outbox');
  const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.eml')).sort();
  const mails: OutboxMail[] = [];
  for (const file of files) {
    const message = splitPart(await fs.readFile(path.join(dir, file), 'utf8'));
    mails.push({ file, to: headerOf(message, 'To'), subject: headerOf(message, 'Subject'), ...partsOf(message) });
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
