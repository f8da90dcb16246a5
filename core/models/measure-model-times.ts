import type { CoreDeps } from '#core/core-deps';

/** How far back the median time of a model looks. */
const WINDOW_MS = 24 * 3600 * 1000;

/**
 * The median time to make a result, in seconds, per model (`kind/id` keys), over the generations
 * that succeeded in the last 24 hours: from when a worker started the job to when it finished,
 * retries and failovers included. One query for every model; a model with none is absent (no
 * made-up number).
 */
export async function measureModelTimes(deps: Pick<CoreDeps, 'prisma' | 'clock'>): Promise<Map<string, number>> {
  const since = new Date(deps.clock.now().getTime() - WINDOW_MS);
  const rows = await deps.prisma.$queryRaw<{ kind: string; model: string; median: number }[]>`
    SELECT kind::text AS kind, model,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ("finishedAt" - "startedAt")))::float8 AS median
      FROM generations
     WHERE status = 'succeeded' AND "createdAt" >= ${since}::timestamp(3)
       AND model IS NOT NULL AND "startedAt" IS NOT NULL AND "finishedAt" IS NOT NULL
     GROUP BY kind, model`;
  return new Map(rows.map((row) => [`${row.kind}/${row.model}`, Number(row.median)]));
}

/** How long a running job or the queue announcer reuses the medians before asking the database again. */
export const MODEL_TIMES_CACHE_MS = 60_000;

const cachedTimes = new WeakMap<object, { at: number; times: Promise<Map<string, number>> }>();

/**
 * {@link measureModelTimes}, at most {@link MODEL_TIMES_CACHE_MS} old, per database client: for the
 * paths that run per job (progress of each running job, the queue announcer every 3 s), where one
 * percentile over a day of generations each time would cost more than the estimate is worth.
 * A failed query is not kept.
 */
export function measureModelTimesCached(deps: Pick<CoreDeps, 'prisma' | 'clock'>): Promise<Map<string, number>> {
  const now = deps.clock.now().getTime();
  const cached = cachedTimes.get(deps.prisma);
  if (cached && now - cached.at < MODEL_TIMES_CACHE_MS) return cached.times;
  const times = measureModelTimes(deps);
  cachedTimes.set(deps.prisma, { at: now, times });
  times.catch(() => {
    if (cachedTimes.get(deps.prisma)?.times === times) cachedTimes.delete(deps.prisma);
  });
  return times;
}
