import type { Catalog } from '#core/catalog/catalog';
import { productName } from '#core/catalog/product-name';
import { translate } from '#core/i18n/catalog';
import { formatDate, formatPaidAmount } from '#core/i18n/format';
import type { Locale } from '#core/i18n/locales';
import type { MailContent } from '#core/mail/render-mail';

/** What a receipt states about one payment. */
export type ReceiptFacts = {
  /** `telegram_stars` payments are in whole Stars; the others in a currency's minor unit. */
  provider: string;
  amount: number;
  currency: string;
  credits: number;
  productId: string | null;
  paidAt: Date;
  renewsAt: Date | null;
};

/**
 * The receipt mail's template: the amount as paid (Stars as Stars), the credits added, what was
 * bought by its display name (a plan's name from the catalog, a pack by its credits; never a
 * catalog id), the next renewal of a plan, and the account page.
 */
export function paymentReceiptMail(
  locale: Locale,
  catalog: Catalog,
  input: ReceiptFacts & { accountUrl: string },
): MailContent {
  const t = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) =>
    translate(locale, key, vars);
  const rows = [
    { label: t('mail.receipt.product'), value: productName(locale, catalog, input) },
    { label: t('mail.receipt.amount'), value: formatPaidAmount(locale, input) },
    { label: t('mail.receipt.credits'), value: String(input.credits) },
    { label: t('mail.receipt.date'), value: formatDate(locale, input.paidAt) },
    ...(input.renewsAt ? [{ label: t('mail.receipt.renews'), value: formatDate(locale, input.renewsAt) }] : []),
  ];
  const [greeting = '', thanks = ''] = t('mail.receipt.intro').split(/\n{2,}/);
  return {
    subject: t('mail.receipt.subject', { credits: input.credits }),
    blocks: [
      { kind: 'paragraph', text: greeting },
      { kind: 'paragraph', text: thanks },
      { kind: 'facts', rows },
      { kind: 'paragraph', text: t('mail.receipt.account') },
      { kind: 'link', url: input.accountUrl },
    ],
  };
}
