import { translate } from '#core/i18n/catalog';
import type { Locale } from '#core/i18n/locales';

/** An amount in a currency's minor unit as the locale writes money (e.g. `$4.99`, `US$4.99`). */
export function formatMoney(locale: Locale, amountMinor: number, currency: string): string {
  const code = currency.toUpperCase();
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(locale, { style: 'currency', currency: code }).format(amountMinor / 10 ** digits);
}

/** A date (UTC) as the locale writes it. */
export function formatDate(locale: Locale, date: Date): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
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
