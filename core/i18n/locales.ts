/** The languages the product speaks. */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** Maps a platform's language tag (e.g. Telegram `zh-hans`, Discord `zh-CN`, `en-GB`) to ours; English otherwise. */
export function normalizeLocale(tag: string | undefined | null): Locale {
  const lower = (tag ?? '').toLowerCase();
  if (lower.startsWith('zh')) return 'zh-CN';
  return 'en';
}
