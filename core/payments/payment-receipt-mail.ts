import { findPlan, type Catalog } from '#core/catalog/catalog';
import { planName } from '#core/catalog/plan-name';
import { translate } from '#core/i18n/catalog';
import { formatDate, formatMoney } from '#core/i18n/format';
import type { Locale } from '#core/i18n/locales';
import type { MailContent } from '#core/mail/render-mail';

/** What a receipt states about one payment. */
export type ReceiptFacts = {
  /** Telegram Stars payments are in whole Stars; the others in a currency's minor unit. */
  isStars: boolean;
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
  const plan = input.productId === null ? undefined : findPlan(catalog, input.productId);
  const amount = input.isStars
    ? t('mail.receipt.stars', { stars: input.amount })
    : formatMoney(locale, input.amount, input.currency);
  const rows = [
    {
      label: t('mail.receipt.product'),
      value: plan
        ? t('mail.receipt.plan', { plan: planName(locale, plan.id) })
        : t('mail.receipt.pack', { credits: input.credits }),
    },
    { label: t('mail.receipt.amount'), value: amount },
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
