import { dateFormatOf, type Locale } from '#core';

export { formatDate, formatMoney } from '#core';

/** A date and time (UTC) as the locale writes it. */
export function formatDateTime(locale: Locale, date: Date): string {
  return `${dateFormatOf(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(date)} UTC`;
}
