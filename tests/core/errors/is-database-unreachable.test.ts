import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '#core/infra/db/create-database';
import { isDatabaseUnreachable } from '#core/errors/is-database-unreachable';
import { applyMigrations } from '#prisma/migrate/index';
import { createDatabaseOn, startOwnPostgres, type OwnPostgres } from '#tests/ops/fault/own-postgres';

/**
 * Every error a query meets while PostgreSQL crashes and recovers must read as "unreachable":
 * one that does not becomes "Something went wrong on our side" in the chat instead of the
 * transient answer (the fault script's postgres phase showed one). A private cluster is crashed,
 * so the shared one is never touched.
 */
describe('isDatabaseUnreachable across a PostgreSQL crash', () => {
  let cluster: OwnPostgres;
  let database: Database;

  beforeAll(async () => {
    cluster = await startOwnPostgres();
    const url = await createDatabaseOn(cluster, 'unreachable_test');
    await applyMigrations({ kind: 'postgres', url });
    database = await createDatabase({ kind: 'postgres', url }, { poolSize: 4 });
  }, 120_000);

  afterAll(async () => {
    await database?.close().catch(() => undefined);
    await cluster?.destroy();
  });

  it('classifies every failure during a crash, the outage and the recovery as unreachable', async () => {
    const seen = new Map<string, unknown>();
    let isRunning = true;
    const load = (async () => {
      while (isRunning) {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            try {
              await database.prisma.$transaction(async (tx) => {
                await tx.$queryRaw`SELECT 1 FROM pg_sleep(0.05)`;
                await tx.user.count();
              });
            } catch (error) {
              const text =
                error instanceof Error
                  ? `${error.name}: ${error.message.replace(/\d+/g, '#').slice(-160)}`
                  : String(error);
              if (!seen.has(text)) seen.set(text, error);
            }
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cluster.stop('immediate');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await cluster.start();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    isRunning = false;
    await load;
    expect(seen.size).toBeGreaterThan(0);
    const misread = [...seen.entries()].filter(([, error]) => !isDatabaseUnreachable(error)).map(([text]) => text);
    expect(misread).toEqual([]);
    expect(await database.prisma.user.count()).toBe(0);
  }, 120_000);
});
