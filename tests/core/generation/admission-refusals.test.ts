import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '#core/errors/app-error';
import { ADMISSION_REFUSALS, refusalError } from '#core/generation/admission-refusal';
import { OPEN_STATUSES_ARRAY_SQL } from '#core/generation/open-statuses';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { userIdOf } from '#tests/core/generation/generation-helpers';

/**
 * Each reason the database function `admit_generation` (prisma/functions/admit_generation.sql)
 * gives for a refusal, as the user reads it. The checks before moderation pass in each case; what
 * makes the locked check refuse is written by another transaction that holds the account lock
 * while the admission waits for it, as a concurrent admission of the same user would.
 */
describe('refusals of admit_generation', () => {
  let t: TestCore;
  let nextUser = 9_400;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  async function newUser(): Promise<{ user: ChatUser; userId: string }> {
    const platformUserId = String((nextUser += 1));
    const user = new ChatUser(t, platformUserId);
    await user.onboard();
    return { user, userId: await userIdOf(t.deps.prisma, platformUserId) };
  }

  async function withClient<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  }

  /**
   * Sends `/imagine <prompt>` while another transaction holds the user's row lock; once the
   * admission waits for that lock, `write` runs in the holding transaction, which then commits.
   */
  async function imagineWhileLocked(
    user: ChatUser,
    userId: string,
    prompt: string,
    write: (client: pg.Client) => Promise<void>,
    eventId = randomUUID(),
  ) {
    return withClient(async (holder) => {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
      const replies = user.command('imagine', prompt, { eventId });
      await withClient(async (watcher) => {
        for (let tries = 0; ; tries += 1) {
          const { rows } = await watcher.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          );
          if (rows[0]?.n === 1) return;
          if (tries > 400) throw new Error('the admission never waited for the account lock');
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      });
      await write(holder);
      await holder.query('COMMIT');
      return replies;
    });
  }

  async function insertGeneration(client: pg.Client, userId: string, status: string, createdAt: Date): Promise<string> {
    const id = randomUUID();
    await client.query(
      `INSERT INTO generations (id, "userId", kind, cost, status, "createdAt") VALUES ($1, $2, 'image', 1, $3, $4)`,
      [id, userId, status, createdAt],
    );
    return id;
  }

  it('too_many_jobs: names the open jobs and the limit', async () => {
    const { user, userId } = await newUser();
    const replies = await imagineWhileLocked(user, userId, 'a crowded queue', async (client) => {
      await insertGeneration(client, userId, 'running', new Date(t.clock.now().getTime() - 3_600_000));
    });
    expect(replies[0]).toMatchObject({
      type: 'message',
      text: { key: 'errors.too_many_jobs', vars: { running: 1, limit: 1 } },
    });
    expect(renderText(replies[0])).toBe('You already have 1 job running (your limit is 1). Wait for one to finish.');
  });

  it('too_soon: names the whole seconds left of the spacing', async () => {
    const { user, userId } = await newUser();
    const replies = await imagineWhileLocked(user, userId, 'a hurried sketch', async (client) => {
      await insertGeneration(client, userId, 'succeeded', new Date(t.clock.now().getTime() - 1_200));
    });
    expect(replies[0]).toMatchObject({ type: 'message', text: { key: 'errors.rate_limited', vars: { seconds: 2 } } });
    expect(renderText(replies[0])).toBe('Too fast. Try again in 2 seconds.');
  });

  it('insufficient_credits: names the cost and the balance the function read', async () => {
    const { user, userId } = await newUser();
    const replies = await imagineWhileLocked(user, userId, 'an expensive fresco', async (client) => {
      await client.query('UPDATE credit_lots SET remaining = 0 WHERE "userId" = $1', [userId]);
    });
    expect(replies[0]).toMatchObject({
      type: 'message',
      text: { key: 'errors.insufficient_credits', vars: { cost: 1, balance: 0 } },
    });
    expect(renderText(replies[0])).toBe('This costs 1 credit and you have 0. Buy more with /buy.');
  });

  it('already_admitted: answers with the job of the earlier admission of the same event', async () => {
    const { user, userId } = await newUser();
    const eventId = randomUUID();
    let earlierId = '';
    const replies = await imagineWhileLocked(
      user,
      userId,
      'a twice-delivered update',
      async (client) => {
        earlierId = await insertGeneration(client, userId, 'queued', new Date(t.clock.now().getTime() - 3_600_000));
        await client.query(
          `INSERT INTO credit_ledger ("userId", kind, delta, "idempotencyKey", "generationId") VALUES ($1, 'reserve', 0, $2, $3)`,
          [userId, `admit:telegram:${eventId}`, earlierId],
        );
      },
      eventId,
    );
    expect(replies[0]).toMatchObject({ type: 'status', generationId: earlierId });
  });

  it('invalid_cost: a cost no quote makes is refused by the function and worded as invalid input', async () => {
    const { userId } = await newUser();
    const [row] = await t.deps.prisma.$queryRaw<{ refusal: string | null }[]>`
      SELECT refusal FROM admit_generation(${userId}::uuid, ${`admit:test:${randomUUID()}`}, ${t.clock.now()}::timestamp(3), 4, 0, ${OPEN_STATUSES_ARRAY_SQL},
        ${randomUUID()}::uuid, 'image'::"GenerationKind", 'p', NULL::text, '{}'::jsonb, 'demo', 'demo', 0, '{}'::jsonb, NULL::uuid, NULL::uuid,
        ${t.clock.now()}::timestamp(3), ${randomUUID()}::uuid, 'prompt', ${randomUUID()}::uuid, ${t.clock.now()}::timestamp(3), ${t.clock.now()}::timestamp(3))`;
    expect(row?.refusal).toBe('invalid_cost');
    const error = refusalError(
      { refusal: 'invalid_cost', open_jobs: 0, last_admitted_at: null, balance: 5 },
      { cost: 0, limits: { concurrency: 4, minSpacingMs: 0 }, now: t.clock.now() },
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'invalid_input' });
  });

  it('gives no reason the TypeScript union does not name, and the union names no reason the function never gives', async () => {
    const [row] = await t.deps.prisma.$queryRaw<
      { body: string }[]
    >`SELECT prosrc AS body FROM pg_proc WHERE proname = 'admit_generation'`;
    const reasons = [...(row?.body ?? '').matchAll(/THEN '([a-z_]+)'/g)].map((match) => match[1]);
    expect(reasons.sort()).toEqual([...ADMISSION_REFUSALS].sort());
  });
});
