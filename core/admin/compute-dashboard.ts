import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';
import { GenerationKind, GenerationStatus, type PaymentProvider } from '#core/infra/db/generated/enums';
import { OPEN_STATUSES_SQL } from '#core/generation/open-statuses';

/** How many days the dashboard covers, today (UTC) included. */
export const DASHBOARD_DAYS = 30;

/** One line of a daily chart: a value per day of {@link AdminDashboard.days}. */
export type DailySeries<Key> = { key: Key; values: number[] };

/** Provider latency and errors of one model over the dashboard's period. */
export type ModelHealth = {
  provider: string;
  model: string;
  /** Generations that reached the provider and ended (succeeded or failed). */
  ended: number;
  failed: number;
  /** From start at the worker to the end, of succeeded generations; null with none. */
  p50Ms: number | null;
  p95Ms: number | null;
};

/** The admin home: the last {@link DASHBOARD_DAYS} days, day by day (UTC), and the queue now. */
export type AdminDashboard = {
  at: Date;
  /** `YYYY-MM-DD`, oldest first; every series has one value per day. */
  days: string[];
  generationsByStatus: DailySeries<GenerationStatus>[];
  generationsByKind: DailySeries<GenerationKind>[];
  /** Paid amounts in the currency's minor unit (whole Stars for XTR), by method and currency. */
  revenue: DailySeries<{ provider: PaymentProvider; currency: string }>[];
  /** Credits added to accounts (payments, plans, bonuses, admins), spent (captured) and given back (released). */
  credits: DailySeries<'granted' | 'spent' | 'refunded'>[];
  models: ModelHealth[];
  /** Generations waiting or under way now, and the oldest waiting one's admission. */
  queue: { queued: number; running: number; uploading: number; oldestQueuedAt: Date | null };
};

/** Every generation status, in the schema's order (Prisma's enum object). */
const GENERATION_STATUSES: GenerationStatus[] = Object.values(GenerationStatus);
const GENERATION_KINDS: GenerationKind[] = Object.values(GenerationKind);

type DayCount = { day: string; key: string; n: number };

/** The UTC days of the period, oldest first. */
function daysEndingAt(at: Date): string[] {
  const today = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return Array.from({ length: DASHBOARD_DAYS }, (_, index) =>
    new Date(today - (DASHBOARD_DAYS - 1 - index) * 86_400_000).toISOString().slice(0, 10),
  );
}

/** Spreads rows of (day, key, n) into one series per key, zero where a day has no row. */
function seriesOf<Key>(days: string[], rows: DayCount[], keys: Key[], keyOf: (key: Key) => string): DailySeries<Key>[] {
  const index = new Map(days.map((day, position) => [day, position]));
  return keys.map((key) => {
    const values = days.map(() => 0);
    for (const row of rows) {
      const position = index.get(row.day);
      if (row.key === keyOf(key) && position !== undefined) values[position] = (values[position] ?? 0) + row.n;
    }
    return { key, values };
  });
}

/**
 * `dashboard`: the figures the admin home draws: generations per day by status and by kind,
 * revenue per day by payment method and currency, credits granted, spent and refunded per day,
 * latency and error rate per model, and the queue now. Aggregates only; audited as
 * `admin.dashboard`. Days are UTC days, counted by when each thing happened (admission, payment,
 * ledger entry, settlement).
 */
export async function computeDashboard(deps: AdminDeps, input: { actor: AdminActor }): Promise<AdminDashboard> {
  const at = deps.clock.now();
  const days = daysEndingAt(at);
  const since = new Date(`${days[0]}T00:00:00.000Z`);
  const prisma = deps.prisma;
  const [byStatus, byKind, revenue, granted, settled, models, queue] = await Promise.all([
    prisma.$queryRaw<
      DayCount[]
    >`SELECT to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, status::text AS key, count(*)::int AS n
      FROM generations WHERE "createdAt" >= ${since} GROUP BY 1, 2`,
    prisma.$queryRaw<
      DayCount[]
    >`SELECT to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, kind::text AS key, count(*)::int AS n
      FROM generations WHERE "createdAt" >= ${since} GROUP BY 1, 2`,
    prisma.$queryRaw<
      DayCount[]
    >`SELECT to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, provider::text || ' ' || upper(currency) AS key, sum(amount)::int AS n
      FROM payments WHERE "createdAt" >= ${since} AND status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed') GROUP BY 1, 2`,
    prisma.$queryRaw<
      DayCount[]
    >`SELECT to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, 'granted' AS key, sum(delta)::int AS n
      FROM credit_ledger WHERE "createdAt" >= ${since} AND kind = 'grant' GROUP BY 1, 2`,
    prisma.$queryRaw<
      DayCount[]
    >`SELECT to_char("settledAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, CASE status WHEN 'captured' THEN 'spent' ELSE 'refunded' END AS key, sum(amount)::int AS n
      FROM credit_reservations WHERE "settledAt" >= ${since} AND status IN ('captured', 'released') GROUP BY 1, 2`,
    prisma.$queryRaw<
      { provider: string; model: string; ended: number; failed: number; p50: number | null; p95: number | null }[]
    >`
      SELECT provider, coalesce(model, '-') AS model, count(*)::int AS ended, count(*) FILTER (WHERE status = 'failed')::int AS failed,
             (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "startedAt")) FILTER (WHERE status = 'succeeded'))::float8 AS p50,
             (percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "startedAt")) FILTER (WHERE status = 'succeeded'))::float8 AS p95
      FROM generations
      WHERE "createdAt" >= ${since} AND provider IS NOT NULL AND status IN ('succeeded', 'failed') AND "startedAt" IS NOT NULL AND "finishedAt" IS NOT NULL
      GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
    prisma.$queryRaw<{ queued: number; running: number; uploading: number; oldest: Date | null }[]>`
      SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued, count(*) FILTER (WHERE status = 'running')::int AS running,
             count(*) FILTER (WHERE status = 'uploading')::int AS uploading, min("createdAt") FILTER (WHERE status = 'queued') AS oldest
      FROM generations WHERE status IN ${OPEN_STATUSES_SQL}`,
  ]);
  await auditAdminAction(prisma, { actor: input.actor, action: 'admin.dashboard' });
  const revenueKeys = [...new Set(revenue.map((row) => row.key))].sort().map((key) => {
    const [provider, currency] = key.split(' ');
    return { provider: provider as PaymentProvider, currency: currency ?? '' };
  });
  const now = queue[0];
  return {
    at,
    days,
    generationsByStatus: seriesOf(days, byStatus, GENERATION_STATUSES, (status) => status),
    generationsByKind: seriesOf(days, byKind, GENERATION_KINDS, (kind) => kind),
    revenue: seriesOf(days, revenue, revenueKeys, (key) => `${key.provider} ${key.currency}`),
    credits: seriesOf(days, [...granted, ...settled], ['granted', 'spent', 'refunded'] as const, (key) => key),
    models: models.map((row) => ({
      provider: row.provider,
      model: row.model,
      ended: row.ended,
      failed: row.failed,
      p50Ms: row.p50 === null ? null : Math.round(row.p50 * 1000),
      p95Ms: row.p95 === null ? null : Math.round(row.p95 * 1000),
    })),
    queue: {
      queued: now?.queued ?? 0,
      running: now?.running ?? 0,
      uploading: now?.uploading ?? 0,
      oldestQueuedAt: now?.oldest ?? null,
    },
  };
}
