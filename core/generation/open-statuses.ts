import { Prisma } from '#core/infra/db/create-database';
import type { GenerationStatus } from '#core/infra/db/generated/enums';

/**
 * The statuses of a generation that has not ended: it counts against its user's concurrency
 * limit, a worker may claim it, a restarted queue is offered it again and the overdue sweep may
 * time it out. The database function `admit_generation` takes them as an argument
 * ({@link OPEN_STATUSES_ARRAY_SQL}), so this list is the only one.
 */
export const OPEN_STATUSES = ['queued', 'running', 'uploading'] as const satisfies readonly GenerationStatus[];

/** Whether a generation in `status` has not ended (one of {@link OPEN_STATUSES}). */
export function isOpenStatus(status: GenerationStatus): boolean {
  return (OPEN_STATUSES as readonly GenerationStatus[]).includes(status);
}

/** {@link OPEN_STATUSES} as an SQL list, for `status IN ${OPEN_STATUSES_SQL}` in raw queries. */
export const OPEN_STATUSES_SQL = Prisma.raw(`(${OPEN_STATUSES.map((status) => `'${status}'`).join(', ')})`);

/** {@link OPEN_STATUSES} as a `"GenerationStatus"[]` literal, for the `p_open_statuses` argument of `admit_generation`. */
export const OPEN_STATUSES_ARRAY_SQL = Prisma.raw(
  `ARRAY[${OPEN_STATUSES.map((status) => `'${status}'`).join(', ')}]::"GenerationStatus"[]`,
);
