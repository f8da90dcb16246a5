import { AppError } from '#core/errors/app-error';
import { insufficientCreditsError } from '#core/credits/reserve-credits';
import { rateLimitedError, type UserLimits } from '#core/generation/user-limits';

/**
 * Why the database function `admit_generation` (prisma/functions/admit_generation.sql) refused an
 * admission, in the order it checks: the same event was admitted before, the user's open jobs
 * reach the plan's limit, the last admission is within the plan's spacing, the cost is not
 * positive, the spendable balance is less than the cost. The function returns exactly these words
 * (a test compares them with its source); TypeScript only words them.
 */
export const ADMISSION_REFUSALS = [
  'already_admitted',
  'too_many_jobs',
  'too_soon',
  'invalid_cost',
  'insufficient_credits',
] as const;

export type AdmissionRefusal = (typeof ADMISSION_REFUSALS)[number];

/** The row `admit_generation` returns: its refusal (null when it admitted) and what it read under the lock. */
export type LockedAdmission = {
  refusal: AdmissionRefusal | null;
  earlier_id: string | null;
  open_jobs: number;
  last_admitted_at: Date | null;
  balance: number;
};

/** Whether `value` is a refusal this code knows how to word. */
export function isAdmissionRefusal(value: unknown): value is AdmissionRefusal {
  return (ADMISSION_REFUSALS as readonly unknown[]).includes(value);
}

/**
 * The user's answer to a refusal other than `already_admitted` (that one answers with the earlier
 * job), from what the function read: the open jobs and the limit, the seconds left of the spacing,
 * the cost and the balance.
 */
export function refusalError(
  locked: Omit<LockedAdmission, 'refusal' | 'earlier_id'> & { refusal: Exclude<AdmissionRefusal, 'already_admitted'> },
  context: { cost: number; limits: Pick<UserLimits, 'concurrency' | 'minSpacingMs'>; now: Date },
): AppError {
  switch (locked.refusal) {
    case 'too_many_jobs':
      return tooManyJobsError(locked.open_jobs, context.limits.concurrency);
    case 'too_soon':
      return rateLimitedError(context.limits.minSpacingMs, locked.last_admitted_at, context.now);
    case 'invalid_cost':
      return new AppError('invalid_input', {
        message: `a generation must cost a positive number of credits, quoted ${context.cost}`,
      });
    case 'insufficient_credits':
      return insufficientCreditsError(context.cost, locked.balance);
  }
}

/** `too_many_jobs`, naming the user's open jobs and the plan's limit. */
export function tooManyJobsError(open: number, limit: number): AppError {
  return new AppError('too_many_jobs', { vars: { running: open, limit } });
}
