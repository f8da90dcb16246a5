import { findPlan, type Catalog } from '#core/catalog/catalog';
import { planName } from '#core/catalog/plan-name';
import { translate } from '#core/i18n/catalog';
import type { Locale } from '#core/i18n/locales';

/**
 * What users read for something bought: a plan by its display name ("Plus plan", "进阶套餐"),
 * anything else (a pack, a product no longer in the catalog) by its credits ("50 credits pack").
 * The catalog id never reaches a user.
 */
export function productName(
  locale: Locale,
  catalog: Catalog,
  product: { productId: string | null; credits: number },
): string {
  const plan = product.productId === null ? undefined : findPlan(catalog, product.productId);
  return plan
    ? translate(locale, 'product.plan', { plan: planName(locale, plan.id) })
    : translate(locale, 'product.pack', { credits: product.credits });
}
