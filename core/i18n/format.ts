import { translate } from '#core/i18n/catalog';
import type { Locale } from '#core/i18n/locales';

// Building an Intl formatter costs far more than using one (tens of µs: locale data is resolved
// each time), so each is built once per locale and options, and kept: a handful per process.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The `Intl.NumberFormat` of a locale and options, built on first use and kept. */
function numberFormatOf(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${locale}\u0000${JSON.stringify(options)}`;
  let format = numberFormats.get(id);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(id, format);
  }
  return format;
}

/** The `Intl.DateTimeFormat` of a locale and options, built on first use and kept. */
export function dateFormatOf(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${locale}\u0000${JSON.stringify(options)}`;
  let format = dateFormats.get(id);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    dateFormats.set(id, format);
  }
  return format;
}

/** An amount in a currency's minor unit as the locale writes money (e.g. `$4.99`, `US$4.99`). */
export function formatMoney(locale: Locale, amountMinor: number, currency: string): string {
  const options = { style: 'currency', currency: currency.toUpperCase() } as const;
  const digits = numberFormatOf('en', options).resolvedOptions().maximumFractionDigits ?? 2;
  return numberFormatOf(locale, options).format(amountMinor / 10 ** digits);
}

/** A date (UTC) as the locale writes it. */
export function formatDate(locale: Locale, date: Date): string {
  return dateFormatOf(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** An amount as paid: money as the locale writes it, Telegram Stars (whole Stars, `XTR`) as Stars. */
export function formatPaidAmount(
  locale: Locale,
  payment: { provider: string; amount: number; currency: string },
): string {
  return payment.provider === 'telegram_stars'
    ? translate(locale, 'payment.stars', { stars: payment.amount })
    : formatMoney(locale, payment.amount, payment.currency);
}
