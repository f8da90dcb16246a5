import { translate } from '#core/i18n/catalog';
import type { Locale } from '#core/i18n/locales';

/** One part of a mail's body, written once and rendered both as plain text and as HTML. */
export type MailBlock =
  | { kind: 'paragraph'; text: string }
  /** A link on a line of its own: the bare address in text, an underlined link in HTML. */
  | { kind: 'link'; url: string }
  /** Label and value pairs: `Label: value` lines in text (`标签：值` in Chinese), a two-column table in HTML. */
  | { kind: 'facts'; rows: { label: string; value: string }[] };

/** What a mail's template produces: its subject and body, already in the recipient's language. */
export type MailContent = { subject: string; blocks: MailBlock[] };

/** A rendered mail, ready for the `Mailer` port. */
export type RenderedMail = { subject: string; text: string; html: string };

/** The site a mail comes from: its name heads the mail, its address is in the footer. */
export type MailSite = { publicUrl: string; supportEmail: string };

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** Only web addresses become links; anything else is shown as text. */
function isWebUrl(url: string): boolean {
  return /^https?:\/\/[^\s"'<>]+$/.test(url);
}

function textOf(locale: Locale, block: MailBlock): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text;
    case 'link':
      return block.url;
    case 'facts':
      return block.rows
        .map((row) => translate(locale, 'mail.layout.fact', { label: row.label, value: row.value }))
        .join('\n');
  }
}

const P_STYLE = 'margin:0 0 16px 0;line-height:1.5;';
const CELL_STYLE = 'padding:4px 16px 4px 0;vertical-align:top;';

function htmlOf(block: MailBlock): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p style="${P_STYLE}">${escapeHtml(block.text).replace(/\n/g, '<br>')}</p>`;
    case 'link':
      return isWebUrl(block.url)
        ? `<p style="${P_STYLE}word-break:break-all;"><a href="${escapeHtml(block.url)}" style="color:#1a56db;text-decoration:underline;">${escapeHtml(block.url)}</a></p>`
        : `<p style="${P_STYLE}">${escapeHtml(block.url)}</p>`;
    case 'facts':
      return `<table role="presentation" style="border-collapse:collapse;margin:0 0 16px 0;">${block.rows
        .map(
          (row) =>
            `<tr><th scope="row" style="${CELL_STYLE}text-align:left;font-weight:normal;color:#555555;">${escapeHtml(row.label)}</th><td style="${CELL_STYLE}font-weight:bold;">${escapeHtml(row.value)}</td></tr>`,
        )
        .join('')}</table>`;
  }
}

/**
 * Renders a template's content in the plain layout every mail shares: the service name on top,
 * the body, and a footer naming the site. The same blocks make the text and the HTML part, so
 * the two always say the same. HTML has every value escaped, inline styles only and nothing
 * loaded from elsewhere (no images, fonts or stylesheets), as mail clients block those.
 */
export function renderMail(locale: Locale, site: MailSite, content: MailContent): RenderedMail {
  const name = translate(locale, 'web.site_name');
  const footer = translate(locale, 'mail.layout.footer', { name, site: site.publicUrl, support: site.supportEmail });
  const text = [name, ...content.blocks.map((block) => textOf(locale, block)), '--', footer].join('\n\n');
  const lang = locale === 'zh-CN' ? 'zh-CN' : 'en';
  const html = `<!DOCTYPE html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(content.subject)}</title></head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<div style="max-width:600px;margin:0 auto;padding:24px 16px;font-family:Arial,Helvetica,sans-serif;font-size:15px;color:#1f2937;">
<div style="font-size:20px;font-weight:bold;padding:0 0 16px 0;">${escapeHtml(name)}</div>
<div style="background-color:#ffffff;border:1px solid #e5e7eb;border-radius:6px;padding:24px;">
${content.blocks.map(htmlOf).join('\n')}
</div>
<p style="margin:16px 0 0 0;font-size:12px;line-height:1.5;color:#6b7280;">${escapeHtml(footer)}</p>
</div>
</body></html>
`;
  return { subject: content.subject, text, html };
}

/**
 * The blocks of a catalog message written as paragraphs (`\n\n` between them): a paragraph that
 * is exactly `linkUrl` becomes a link block.
 */
export function paragraphsOf(message: string, linkUrl?: string): MailBlock[] {
  return message
    .split(/\n{2,}/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(
      (part): MailBlock =>
        linkUrl && part === linkUrl ? { kind: 'link', url: part } : { kind: 'paragraph', text: part },
    );
}
