/**
 * The version of the terms and privacy policy users accept. Bump it when `web/legal/*.md`
 * changes materially; users then accept again before their next generation.
 */
export const TERMS_VERSION = '2026-12-07';

/** The minimum age the terms require. */
export const MINIMUM_AGE = 13;
