/**
 * A tiny HTML template helper: `html\`<p>${name}</p>\`` escapes every interpolated value unless it
 * is already {@link SafeHtml} (the result of another `html` template, or {@link trustedHtml}).
 * Arrays are joined; `null`, `undefined` and `false` render nothing. Values go inside quoted
 * attributes or element content only, never into `<script>` or `style`.
 */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (character) => ESCAPES[character] ?? character);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Builds HTML, escaping every value by default. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let index = 0; index < values.length; index += 1) out += render(values[index]) + (strings[index + 1] ?? '');
  return new SafeHtml(out);
}

/** Marks markup made by our own renderers (the markdown renderer) as safe. Never for user input. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
