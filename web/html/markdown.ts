import { escapeHtml, trustedHtml, type SafeHtml } from '#web/html/html';

/**
 * A safe markdown subset for the legal pages an operator edits: `#`–`###` headings, paragraphs,
 * `-`/`*` and `1.` lists, `**bold**`, `[text](url)` links (http(s), mailto and site paths only)
 * and `{{name}}` placeholders filled from `vars`. Everything else is text: the source is escaped
 * before any markup is added, so raw HTML in a file shows as text and never runs.
 */
export function renderMarkdown(source: string, vars: Record<string, string> = {}): SafeHtml {
  const filled = source.replace(
    /\{\{(\w+)\}\}/g,
    (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name] : undefined) ?? whole,
  );
  const blocks: string[] = [];
  let paragraph: string[] = [];
  let list: { tag: 'ul' | 'ol'; items: string[] } | undefined;
  const flushParagraph = () => {
    if (paragraph.length > 0) blocks.push(`<p>${inline(paragraph.join(' '))}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (list)
      blocks.push(`<${list.tag}>${list.items.map((item) => `<li>${inline(item)}</li>`).join('')}</${list.tag}>`);
    list = undefined;
  };
  for (const line of filled.split(/\r?\n/)) {
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      flushParagraph();
      flushList();
      const level = (heading[1] ?? '#').length;
      const text = heading[2] ?? '';
      blocks.push(`<h${level} id="${slug(text)}">${inline(text)}</h${level}>`);
    } else if (bullet || numbered) {
      flushParagraph();
      const tag = bullet ? 'ul' : 'ol';
      if (list?.tag !== tag) flushList();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)?.[1] ?? '');
    } else if (line.trim() === '') {
      flushParagraph();
      flushList();
    } else if (list && /^\s{2,}\S/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
    } else {
      flushList();
      paragraph.push(line.trim());
    }
  }
  flushParagraph();
  flushList();
  return trustedHtml(blocks.join('\n'));
}

function inline(text: string): string {
  let out = escapeHtml(text);
  out = out.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
  out = out.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_whole, label: string, href: string) =>
    isSafeHref(href) ? `<a href="${href}">${label}</a>` : label,
  );
  return out;
}

/** Links may go to the web (http/https), an email address, or a path or anchor on this site. */
function isSafeHref(href: string): boolean {
  const decoded = href.replace(/&amp;/g, '&');
  return /^(https?:\/\/|mailto:)/i.test(decoded) || (/^[/#]/.test(decoded) && !decoded.startsWith('//'));
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}
