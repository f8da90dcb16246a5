import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { inject } from 'vitest';
import { PrismaClient } from '#core/infra/db/generated/client';
import { postgresUrlFor, runAdminSql } from '#tests/support/postgres-admin';

/** A database of one test file, and how to drop it. */
export type TestDatabase = {
  kind: 'postgres' | 'pglite';
  url: string | undefined;
  prisma: PrismaClient;
  close(): Promise<void>;
};

/**
 * A fresh, migrated database for one test file: a clone of the run's template on the real
 * PostgreSQL server (default), or an in-memory PGlite loaded from the run's migrated PGlite
 * template, for suites that also run embedded.
 */
export async function createTestDatabase(kind: 'postgres' | 'pglite' = 'postgres'): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const pglite = await PGlite.create({ loadDataDir: new Blob([await readFile(inject('pgliteTemplateFile'))]) });
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    return {
      kind,
      url: undefined,
      prisma,
      close: async () => {
        await prisma.$disconnect();
        await pglite.close();
      },
    };
  }
  const name = `imagine_test_${randomBytes(6).toString('hex')}`;
  await runAdminSql(`CREATE DATABASE "${name}" TEMPLATE "${inject('templateDatabase')}"`);
  const url = postgresUrlFor(name);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 20 }) });
  return {
    kind,
    url,
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await runAdminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
