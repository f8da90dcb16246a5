import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { TERMS_VERSION } from '#core';
import { postgresUrlFor, runAdminSql } from '#tests/support/postgres-admin';

const MIGRATE_CLI = fileURLToPath(new URL('../../prisma/migrate/cli.ts', import.meta.url));

/** A throw-away database of one bench run. */
export type BenchDatabase = { name: string; url: string; drop(): Promise<void> };

/**
 * Creates `imagine_bench_<random>` on the local server and applies every migration with the
 * migrate CLI in a child process, so the schema engine (wasm, ~100 MB) never inflates the RSS the
 * bench reports.
 */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `imagine_bench_${randomBytes(5).toString('hex')}`;
  await runAdminSql(`CREATE DATABASE "${name}"`);
  const url = postgresUrlFor(name);
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', MIGRATE_CLI, 'deploy', '--url', url]);
  } catch (error) {
    await runAdminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  return { name, url, drop: () => runAdminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/**
 * Inserts `count` onboarded Telegram users (ids `firstSubject`, `firstSubject + 1`, …) with the
 * current terms accepted and `credits` signup credits: the user row, the identity, one lot and
 * its `grant` ledger entry, exactly what onboarding writes, in four set-based statements.
 */
export async function seedOnboardedUsers(
  url: string,
  options: { count: number; credits: number; firstSubject: number },
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `CREATE TEMP TABLE seed ON COMMIT DROP AS
       SELECT n, gen_random_uuid() AS user_id, gen_random_uuid() AS lot_id FROM generate_series(0, $1::int - 1) AS n`,
      [options.count],
    );
    await client.query(
      `INSERT INTO users (id, locale, "termsAcceptedAt", "ageConfirmedAt", "termsVersion", "updatedAt")
       SELECT user_id, 'en', now(), now(), $1, now() FROM seed`,
      [TERMS_VERSION],
    );
    await client.query(
      `INSERT INTO identities (id, "userId", provider, subject) SELECT gen_random_uuid(), user_id, 'telegram', ($1::bigint + n)::text FROM seed`,
      [options.firstSubject],
    );
    await client.query(
      `INSERT INTO credit_lots (id, "userId", source, amount, remaining) SELECT lot_id, user_id, 'signup_bonus', $1, $1 FROM seed`,
      [options.credits],
    );
    await client.query(
      `INSERT INTO credit_ledger ("userId", kind, delta, "idempotencyKey", reason, "lotId")
       SELECT user_id, 'grant', $1, 'signup:' || user_id, 'signup_bonus', lot_id FROM seed`,
      [options.credits],
    );
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}
