import { MAX_DELIVERY_ATTEMPTS } from '#core/generation/deliver-final-message';
import type { CoreDeps } from '#core';
import type { FakeTelegram } from '#tests/fakes/telegram-bot-api';
import { findLedgerViolations } from '#tests/support/ledger-invariants';

type Prisma = CoreDeps['prisma'];

const OPEN_STATUSES = ['queued', 'running', 'uploading'];

/** What an operator checks after a run: every job's end, its credits and what reached the chat. */
export type GenerationAudit = {
  generations: number;
  byStatus: Record<string, number>;
  /** Still queued, running or uploading. */
  open: number;
  /** Everything that breaks a rule, one sentence each (empty = all hold). */
  problems: string[];
  /**
   * Results a chat received twice because their sender died between Telegram's acceptance and our
   * record of it (the message was retried after its lease ran out). Allowed, and counted.
   */
  resent: number;
};

type GenerationRow = {
  id: string;
  status: string;
  userId: string;
  chatId: string | null;
  deadlineAt: Date | null;
  reserves: number;
  captures: number;
  releases: number;
  deliveryAttempts: number;
};

/**
 * Audits every generation of the database against the product's promises:
 * - the ledger invariants hold (`findLedgerViolations`);
 * - each generation has one reservation; a succeeded one was captured once and never released,
 *   an ended one released once and never captured, an open one neither;
 * - no generation is open past its deadline (when `isSettled`, none is open at all);
 * - per user, the credits left equal grants minus the cost of succeeded jobs minus open ones;
 * - with `telegram`: each chat received one picture per succeeded generation of it; one more is
 *   allowed (and counted in `resent`) only for a result whose delivery was tried again;
 * - when `isSettled`: every ended generation's final message was accepted by its chat.
 *
 * With `since`, the per-generation and per-chat checks look only at generations admitted and
 * pictures sent from then on (one phase of a longer run, begun with nothing open); the ledger and
 * balance checks always cover everything, and name each user with a difference that stays the
 * same while the user goes on, so repeated audits report a problem once.
 */
export async function auditGenerations(
  prisma: Prisma,
  options: { now: Date; isSettled: boolean; telegram?: FakeTelegram; since?: Date },
): Promise<GenerationAudit> {
  const problems: string[] = [];
  let resent = 0;
  const since = options.since ?? new Date(0);
  const rows = await prisma.$queryRaw<GenerationRow[]>`
    SELECT g.id::text, g.status::text, g."userId"::text, g.delivery->>'chatId' AS "chatId", g."deadlineAt", g."deliveryAttempts",
           count(l.id) FILTER (WHERE l.kind = 'reserve')::int AS reserves,
           count(l.id) FILTER (WHERE l.kind = 'capture')::int AS captures,
           count(l.id) FILTER (WHERE l.kind = 'release')::int AS releases
    FROM generations g LEFT JOIN credit_ledger l ON l."generationId" = g.id
    WHERE g."createdAt" >= ${since}
    GROUP BY g.id`;
  const byStatus: Record<string, number> = {};
  for (const row of rows) {
    byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    const isOpen = OPEN_STATUSES.includes(row.status);
    const expected = row.status === 'succeeded' ? [1, 1, 0] : isOpen ? [1, 0, 0] : [1, 0, 1];
    if (row.reserves !== expected[0] || row.captures !== expected[1] || row.releases !== expected[2]) {
      problems.push(
        `generation ${row.id} (${row.status}): ${row.reserves} reserve, ${row.captures} capture, ${row.releases} release entries; expected ${expected.join('/')}`,
      );
    }
    if (isOpen && options.isSettled) problems.push(`generation ${row.id} is still ${row.status}`);
    if (isOpen && row.deadlineAt && row.deadlineAt < options.now)
      problems.push(`generation ${row.id} is ${row.status} past its deadline ${row.deadlineAt.toISOString()}`);
  }

  for (const violation of await findLedgerViolations(prisma)) {
    problems.push(
      `ledger invariant broken for user ${violation.userId}: ledger sum - lots = ${violation.ledger - violation.lots}, debt - debt entries = ${violation.debt - violation.debtLedger}`,
    );
  }
  const balances = await prisma.$queryRaw<
    { userId: string; remaining: number; granted: number; captured: number; held: number }[]
  >`
    WITH lots AS (SELECT "userId", SUM(remaining)::int AS remaining FROM credit_lots GROUP BY "userId"),
         grants AS (SELECT "userId", SUM(delta)::int AS granted FROM credit_ledger WHERE kind = 'grant' GROUP BY "userId"),
         spent AS (SELECT "userId", (SUM(cost) FILTER (WHERE status = 'succeeded'))::int AS captured,
                          (SUM(cost) FILTER (WHERE status IN ('queued', 'running', 'uploading')))::int AS held
                   FROM generations GROUP BY "userId")
    SELECT u.id::text AS "userId", COALESCE(lots.remaining, 0) AS remaining, COALESCE(grants.granted, 0) AS granted,
           COALESCE(spent.captured, 0) AS captured, COALESCE(spent.held, 0) AS held
    FROM users u LEFT JOIN lots ON lots."userId" = u.id LEFT JOIN grants ON grants."userId" = u.id LEFT JOIN spent ON spent."userId" = u.id`;
  for (const balance of balances) {
    const expected = balance.granted - balance.captured - balance.held;
    if (balance.remaining !== expected) {
      problems.push(
        `user ${balance.userId} has ${balance.remaining - expected} credit(s) more than grants - cost of succeeded jobs - cost of open jobs`,
      );
    }
  }

  if (options.telegram) {
    const pictures = new Map<string, number>();
    for (const call of options.telegram.calls) {
      if (call.method === 'sendPhoto' && call.status === 200 && call.at >= since.getTime())
        pictures.set(String(call.params.chat_id), (pictures.get(String(call.params.chat_id)) ?? 0) + 1);
    }
    const succeeded = new Map<string, number>();
    const retried = new Map<string, number>();
    for (const row of rows) {
      if (row.status !== 'succeeded' || !row.chatId) continue;
      succeeded.set(row.chatId, (succeeded.get(row.chatId) ?? 0) + 1);
      if (row.deliveryAttempts > 1) retried.set(row.chatId, (retried.get(row.chatId) ?? 0) + 1);
    }
    for (const chatId of new Set([...pictures.keys(), ...succeeded.keys()])) {
      const sent = pictures.get(chatId) ?? 0;
      const paid = succeeded.get(chatId) ?? 0;
      if (sent < paid || sent > paid + (retried.get(chatId) ?? 0))
        problems.push(`chat ${chatId} received ${sent} picture(s) for ${paid} succeeded (charged) generation(s)`);
      else resent += sent - paid;
    }
  }

  if (options.isSettled) {
    const undelivered = await prisma.generation.findMany({
      where: { createdAt: { gte: since }, finishedAt: { not: null }, deliveredAt: null },
      select: { id: true, status: true, deliveryAttempts: true, deliveryError: true },
    });
    for (const row of undelivered) {
      problems.push(
        `generation ${row.id} ended ${row.status} but no chat accepted its final message (${row.deliveryAttempts} tries; last error: ${row.deliveryError ?? 'none'})`,
      );
    }
  }

  return {
    resent,
    generations: rows.length,
    byStatus,
    open: rows.filter((row) => OPEN_STATUSES.includes(row.status)).length,
    problems,
  };
}

/**
 * Waits until no generation is open and no final message is still to be sent (one not yet
 * accepted by its chat with tries left: see `deliverFinalMessage`), polling, up to `timeoutMs`;
 * resolves with how many are still pending.
 */
export async function waitUntilSettled(prisma: Prisma, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await prisma.generation
      .count({
        where: {
          OR: [
            { status: { in: ['queued', 'running', 'uploading'] } },
            { deliveredAt: null, deliveryAttempts: { lt: MAX_DELIVERY_ATTEMPTS }, finishedAt: { not: null } },
          ],
        },
      })
      .catch(() => Number.NaN);
    if (pending === 0) return 0;
    if (Date.now() >= deadline) return Number.isNaN(pending) ? -1 : pending;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
