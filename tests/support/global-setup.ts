import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '#prisma/migrate/index';
import { postgresUrlFor, runAdminSql } from '#tests/support/postgres-admin';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/**
 * Once per run: a template database with every migration applied, named by a hash of the
 * migrations so a changed migration makes a new one. Each test file clones it (fast) into a
 * database of its own, so files run in parallel without sharing rows.
 */
export default async function setup(project: TestProject): Promise<void> {
  const migrationsDir = path.resolve('prisma/migrations');
  const names = (await fs.readdir(migrationsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const hash = createHash('sha256');
  for (const name of names) hash.update(name).update(await fs.readFile(path.join(migrationsDir, name, 'migration.sql')));
  const template = `imagine_template_${hash.digest('hex').slice(0, 12)}`;
  const client = new pg.Client({ connectionString: postgresUrlFor('postgres') });
  await client.connect();
  const exists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1;
  await client.end();
  if (!exists) {
    const building = `${template}_building_${process.pid}`;
    await runAdminSql(`DROP DATABASE IF EXISTS "${building}"`, `CREATE DATABASE "${building}"`);
    await applyMigrations({ kind: 'postgres', url: postgresUrlFor(building) });
    await runAdminSql(`ALTER DATABASE "${building}" RENAME TO "${template}"`).catch(async (error: unknown) => {
      await runAdminSql(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      if (!String(error).includes('already exists')) throw error;
    });
  }
  project.provide('templateDatabase', template);
}
