import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '#prisma/migrate/index';
import { postgresUrlFor, runAdminSql } from '#tests/support/postgres-admin';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    pgliteTemplateFile: string;
  }
}

/**
 * Once per run: a template database with every migration and function file applied, named by a
 * hash of both so a changed migration or function file makes a new one. Each test file clones it (fast) into a
 * database of its own, so files run in parallel without sharing rows.
 */
export default async function setup(project: TestProject): Promise<void> {
  const migrationsDir = path.resolve('prisma/migrations');
  const functionsDir = path.resolve('prisma/functions');
  const names = (await fs.readdir(migrationsDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const hash = createHash('sha256');
  for (const name of names)
    hash.update(name).update(await fs.readFile(path.join(migrationsDir, name, 'migration.sql')));
  // The function files are applied with the migrations (applyMigrations): a changed one makes a new template too.
  for (const name of (await fs.readdir(functionsDir)).sort())
    hash.update(`functions/${name}`).update(await fs.readFile(path.join(functionsDir, name)));
  const migrationsHash = hash.digest('hex').slice(0, 12);
  const template = `imagine_template_${migrationsHash}`;
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
  project.provide('pgliteTemplateFile', await buildPgliteTemplate(migrationsHash));
}

/**
 * The same migrated database for the embedded engine: PGlite migrated once, its data directory
 * dumped to a tar file that each PGlite test database loads (a copy, not a fresh migration).
 */
async function buildPgliteTemplate(migrationsHash: string): Promise<string> {
  const file = path.join(os.tmpdir(), `imagine-pglite-template-${migrationsHash}.tar`);
  const exists = await fs.access(file).then(
    () => true,
    () => false,
  );
  if (exists) return file;
  const pglite = await PGlite.create();
  await applyMigrations({ kind: 'pglite', db: pglite });
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const building = `${file}.${process.pid}`;
  await fs.writeFile(building, Buffer.from(await dump.arrayBuffer()));
  await fs.rename(building, file);
  return file;
}
