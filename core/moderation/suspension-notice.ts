/**
 * How a suspension is put in words for its user: when it ends, why, and for how long, as message
 * variables (nested catalog keys where a word depends on the language). Internal reason codes
 * such as `severe_content` are never shown as such.
 */

/** Reasons that moderation writes; an admin's reason is free text and is shown as written. */
const REASON_KEYS: Readonly<Record<string, string>> = {
  severe_content: '{suspension.reason.severe_content}',
  repeated_blocked_prompts: '{suspension.reason.repeated_blocked_prompts}',
  earlier_account_suspended: '{suspension.reason.earlier_account_suspended}',
};

/** `2026-12-07 14:30 UTC`: one unambiguous form in every language. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The end of a suspension: a date, or "further notice" when only an admin can end it. */
export function suspensionUntilVar(until: Date | null): string {
  return until ? formatUtc(until) : '{suspension.until_lifted}';
}

/** The reason as the user reads it: a sentence for moderation's codes, an admin's text as written. */
export function suspensionReasonVar(reason: string | null): string {
  if (reason === null || reason.trim() === '') return '{suspension.reason.unknown}';
  return Object.hasOwn(REASON_KEYS, reason) ? (REASON_KEYS[reason] as string) : reason;
}

/** A length of time as `{count} {unit}`: whole days from two days up, else hours (`24 hours`, `30 days`). */
export function durationVars(milliseconds: number): { count: number; unit: string } {
  const hours = Math.round(milliseconds / 3_600_000);
  return hours % 24 === 0 && hours >= 48
    ? { count: hours / 24, unit: '{unit.days}' }
    : { count: hours, unit: '{unit.hours}' };
}
