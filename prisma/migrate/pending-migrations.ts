// Whether a database has anything left to apply, read from `_prisma_migrations` with one query, so
// a start with nothing pending never loads the schema engine (its wasm costs ~1 s and ~100 MiB).
import { createHash } from 'node:crypto';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import type { SqlTransaction } from '#prisma/migrate/apply-function-sources';

const RECORDED_SQL = `SELECT migration_name, checksum,
  finished_at IS NOT NULL AND rolled_back_at IS NULL AS is_applied,
  finished_at IS NULL AND rolled_back_at IS NULL AS is_failed
FROM _prisma_migrations`;

/**
 * True when `_prisma_migrations` records every migration of `migrations` as finished, with the
 * checksum of its migration.sql as it is now, and records no failed migration. Anything else (no
 * table yet, a pending, failed or edited migration, an unreadable file) is for the schema engine
 * to apply or to refuse, as it always did.
 */
export async function isUpToDate(tx: SqlTransaction, migrations: MigrationList): Promise<boolean> {
  const [table] = await tx.query("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present");
  if (table?.['present'] !== true) return false;
  const rows = await tx.query(RECORDED_SQL);
  if (rows.some((row) => row['is_failed'] === true)) return false;
  const applied = new Set(
    rows.filter((row) => row['is_applied'] === true).map((row) => `${row['migration_name']}:${row['checksum']}`),
  );
  return migrations.migrationDirectories.every(
    (directory) =>
      directory.migrationFile.content.tag === 'ok' &&
      applied.has(
        `${directory.path}:${createHash('sha256').update(directory.migrationFile.content.value).digest('hex')}`,
      ),
  );
}
