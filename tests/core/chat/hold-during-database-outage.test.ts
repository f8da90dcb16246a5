import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedTemplates } from '#core/templates/seed-templates';
import { createDatabase } from '#core/infra/db/create-database';
import { applyMigrations } from '#prisma/migrate/index';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { RecordingNotifier } from '#tests/support/recording-notifier';
import { TestClock } from '#tests/support/test-clock';
import type { TestCore } from '#tests/support/test-core';
import { isPng } from '#tests/fakes/test-png';
import { createDatabaseOn, startOwnPostgres, type OwnPostgres } from '#tests/ops/fault/own-postgres';
import { openProcessCore } from '#tests/core/generation/process-core';
import { FAST_RECOVERY } from '#tests/core/generation/test-cluster';
import {
  admit,
  balanceOf,
  ledgerOf,
  mediaDeliveriesOf,
  waitForMedia,
  waitForStatus,
} from '#tests/core/generation/generation-helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PostgreSQL crashes (`pg_ctl stop -m immediate`) and comes back while users ask for pictures. A
 * private cluster is crashed, never the shared one. A job running at the crash still finishes;
 * a request arriving meanwhile is held ("Received, waiting…") and becomes its job once the
 * database answers, charged once; past the hold's limit, or when it is full, the user reads
 * "briefly unavailable" and nothing is charged.
 */
describe('chat requests and jobs across a PostgreSQL outage', () => {
  let cluster: OwnPostgres;
  let databaseUrl: string;
  let dataDir: string;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    cluster = await startOwnPostgres();
    databaseUrl = await createDatabaseOn(cluster, 'hold_test');
    await applyMigrations({ kind: 'postgres', url: databaseUrl });
    const seeding = await createDatabase({ kind: 'postgres', url: databaseUrl });
    await seedTemplates(seeding.prisma);
    await seeding.close();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-hold-'));
  }, 120_000);

  afterEach(async () => {
    await cluster.start().catch(() => undefined);
    for (const close of closers.splice(0)) await close().catch(() => undefined);
  });

  afterAll(async () => {
    await cluster?.destroy();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  /** A worker and chat process of its own on the private cluster, shaped for `ChatUser`. */
  async function openCore(env: Record<string, string>): Promise<TestCore> {
    const notifier = new RecordingNotifier();
    const clock = new TestClock();
    const opened = await openProcessCore({
      databaseUrl,
      prefix: `test:hold:${randomBytes(4).toString('hex')}`,
      dataDir,
      notifier,
      env,
      ...FAST_RECOVERY,
      poolSize: 4,
    });
    const stopWorker = await opened.core.startWorker({ concurrency: 2 });
    const close = async () => {
      await stopWorker();
      await opened.close();
    };
    closers.push(close);
    return {
      core: opened.core,
      deps: opened.deps,
      database: { kind: 'postgres', url: databaseUrl, prisma: opened.deps.prisma, close: async () => undefined },
      notifier,
      clock,
      dataDir,
      close,
    };
  }

  it('finishes a job whose provider answered while the database was down: one picture, charged once', async () => {
    const t = await openCore({ DEMO_PROVIDER_LATENCY_MS: '2500' });
    const user = new ChatUser(t, '9101');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a windmill in the rain');
    await waitForStatus(t.notifier, id, 'job.running');
    await cluster.stop('immediate');
    await sleep(4_000);
    await cluster.start();

    const media = await waitForMedia(t.notifier, id, 30_000);
    expect(isPng(await media.items[0]!.load())).toBe(true);
    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(1);
    expect(await t.deps.prisma.generation.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'succeeded' });
    expect(await ledgerOf(t.deps.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    expect(await findLedgerViolations(t.deps.prisma)).toEqual([]);
  }, 90_000);

  it('holds /imagine sent while the database is down and answers it with a picture once it is back, charged once', async () => {
    const t = await openCore({ DEMO_PROVIDER_LATENCY_MS: '200', CHAT_HOLD_SECONDS: '30' });
    const user = new ChatUser(t, '9201');
    await user.onboard();
    const before = await balanceOf(t, '9201');
    await cluster.stop('immediate');

    const [reply, ...more] = await user.command('imagine', 'a lantern on a jetty');
    expect(more).toEqual([]);
    expect(reply).toMatchObject({ type: 'status', text: { key: 'job.held' } });
    const id = reply?.type === 'status' ? reply.generationId : '';
    await sleep(3_000);
    await cluster.start();

    const media = await waitForMedia(t.notifier, id, 30_000);
    expect(isPng(await media.items[0]!.load())).toBe(true);
    // The status message shown while held is the one the job's progress edits.
    const delivery = t.notifier.deliveries.find((candidate) =>
      candidate.replies.some((item) => item.type === 'media' && item.generationId === id),
    );
    expect(delivery?.target.statusMessageId).toBe(`status-${id}`);
    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(1);
    expect(
      await t.deps.prisma.generation.count({
        where: { userId: (await t.deps.prisma.generation.findUniqueOrThrow({ where: { id } })).userId },
      }),
    ).toBe(1);
    expect(await ledgerOf(t.deps.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    expect(await balanceOf(t, '9201')).toBe(before - 1);
    expect(await findLedgerViolations(t.deps.prisma)).toEqual([]);
  }, 90_000);

  it("admits a user's held requests in the order sent, each once, waiting for the plan's spacing and job limit between them", async () => {
    const t = await openCore({ DEMO_PROVIDER_LATENCY_MS: '200', CHAT_HOLD_SECONDS: '30' });
    const user = new ChatUser(t, '9251');
    await user.onboard();
    await cluster.stop('immediate');
    const ids: string[] = [];
    for (const prompt of ['a first paper lantern', 'a second paper lantern']) {
      const [reply] = await user.command('imagine', prompt);
      expect(reply).toMatchObject({ type: 'status', text: { key: 'job.held' } });
      ids.push(reply?.type === 'status' ? reply.generationId : '');
    }
    await sleep(1_000);
    await cluster.start();

    for (const id of ids) await waitForMedia(t.notifier, id, 30_000);
    const [first, second] = await Promise.all(
      ids.map((id) => t.deps.prisma.generation.findUniqueOrThrow({ where: { id } })),
    );
    expect([first?.prompt, second?.prompt]).toEqual([
      expect.stringContaining('first'),
      expect.stringContaining('second'),
    ]);
    // The free plan's 3 s between admissions holds: the second waited for it rather than being refused.
    expect((second?.createdAt.getTime() ?? 0) - (first?.createdAt.getTime() ?? 0)).toBeGreaterThanOrEqual(3_000);
    for (const id of ids)
      expect(await ledgerOf(t.deps.prisma, id)).toEqual([
        ['reserve', -1],
        ['capture', 0],
      ]);
    expect(
      t.notifier.allReplies().filter((reply) => reply.type === 'status' && reply.text.key.startsWith('errors.')),
    ).toEqual([]);
  }, 90_000);

  it('answers "briefly unavailable" past the hold limit or when the hold is full, and charges nothing', async () => {
    const t = await openCore({ DEMO_PROVIDER_LATENCY_MS: '200', CHAT_HOLD_SECONDS: '3', CHAT_HOLD_MAX_REQUESTS: '1' });
    const waiting = new ChatUser(t, '9301');
    const refused = new ChatUser(t, '9302');
    await waiting.onboard();
    await refused.onboard();
    const balances = [await balanceOf(t, '9301'), await balanceOf(t, '9302')];
    await cluster.stop('immediate');

    const [held] = await waiting.command('imagine', 'a kite over the dunes');
    expect(held).toMatchObject({ type: 'status', text: { key: 'job.held' } });
    const id = held?.type === 'status' ? held.generationId : '';
    const [full] = await refused.command('imagine', 'a kite over the sea');
    expect(full).toMatchObject({ type: 'message', text: { key: 'errors.temporarily_unavailable' } });

    // Held past its 3 s while the database stays down: the held message says so.
    const told = await waitForStatus(t.notifier, id, 'errors.temporarily_unavailable', 15_000);
    expect(told).toMatchObject({ type: 'status', generationId: id });
    await cluster.start();
    await sleep(2_000);
    expect(await t.deps.prisma.generation.count()).toBe(
      await t.deps.prisma.generation.count({ where: { id: { not: id } } }),
    );
    expect(await t.deps.prisma.generation.findUnique({ where: { id } })).toBeNull();
    expect([await balanceOf(t, '9301'), await balanceOf(t, '9302')]).toEqual(balances);
    expect(t.notifier.allReplies().filter((reply) => reply.type === 'media')).toEqual([]);
  }, 90_000);
});
