/**
 * When blocked prompts suspend generation: `STRIKE_LIMIT` blocks within the window suspend for
 * `STRIKE_SUSPENSION_HOURS`; a severe category suspends at once for `SEVERE_SUSPENSION_DAYS`.
 * Admins can lift any suspension.
 */
export const STRIKE_POLICY = {
  limit: 3,
  windowHours: 24,
  suspensionHours: 24,
  severeSuspensionDays: 30,
} as const;
