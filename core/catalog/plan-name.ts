import { isMessageKey, translate } from '#core/i18n/catalog';
import type { Locale } from '#core/i18n/locales';

/**
 * What users read for a plan: its display name from the message catalog (`plan.name.<id>`:
 * "Plus", "进阶"), or, for a plan an operator added without a translation, its id written as words
 * ("team_max" → "Team max"). The id itself never reaches a user.
 */
export function planName(locale: Locale, planId: string): string {
  const key = `plan.name.${planId}`;
  if (isMessageKey(key)) return translate(locale, key);
  const words = planId.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
