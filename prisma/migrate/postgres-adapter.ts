// The schema engine's connection to a PostgreSQL server, built on @prisma/adapter-pg 7.10 with
// its three problems for migrations fixed (see /work/shared/notes/prisma-offline.md).
import { randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import type { Logger } from 'pino';
import { runScriptAsOneQuery, withScriptRunner } from '#prisma/migrate/script-adapter';
import type { OnScriptFailure } from '#prisma/migrate/script-adapter';

const CHAR_OID = 18;
const TEXT_OID = 25;

/**
 * Adapter factory for the schema engine on a PostgreSQL server.
 *
 * - Catalog queries return PostgreSQL's internal `"char"` type (OID 18), which adapter-pg cannot
 *   map; every connection reports it as `text` instead.
 * - adapter-pg's `executeScript` splits on every `;`, which breaks `$$` function bodies and leaves
 *   a failing migration half-applied. Here a script goes to the server as one simple query, as the
 *   native engine sends it (runScriptAsOneQuery).
 * - `PrismaPg.connectToShadowDb()` with a connection string connects to the main database. Here
 *   the shadow database is a throw-away database created on the same server (needs CREATEDB)
 *   and dropped when the engine disposes of it.
 */
export function createPostgresAdapterFactory(options: {
  url: string;
  onScriptFailure: OnScriptFailure;
  logger: Logger;
}): SqlMigrationAwareDriverAdapterFactory {
  const { url, onScriptFailure, logger } = options;
  const connectTo = async (connectionString: string): Promise<SqlDriverAdapter> => {
    const pool = createPool(connectionString, logger);
    const inner = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
    return withScriptRunner(inner, (script) => runScriptAsOneQuery(script, (sql) => pool.query(sql), onScriptFailure));
  };
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => connectTo(url),
    connectToShadowDb: async () => {
      const shadow = await createThrowAwayDatabase(url, logger);
      try {
        const adapter = await connectTo(shadow.url);
        return withScriptRunner(
          adapter,
          (script) => adapter.executeScript(script),
          async () => {
            await adapter.dispose();
            await shadow.drop();
          },
        );
      } catch (error) {
        await shadow.drop();
        throw error;
      }
    },
  };
}

/** A database that exists only for one engine command. */
export type ThrowAwayDatabase = { name: string; url: string; drop: () => Promise<void> };

/**
 * Creates an empty database named `<database>_shadow_<random>` on the server `url` points at (so
 * a leftover says whose it was), and returns its URL and a `drop` that removes it, forcing out
 * any connection left open.
 */
export async function createThrowAwayDatabase(url: string, logger: Logger): Promise<ThrowAwayDatabase> {
  const shadowUrl = new URL(url);
  const mainName = decodeURIComponent(shadowUrl.pathname.slice(1)) || 'prisma';
  // PostgreSQL truncates identifiers at 63 bytes; keep the random part.
  const name = `${mainName.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}_shadow_${randomBytes(6).toString('hex')}`;
  await runAdminStatement(url, `CREATE DATABASE "${name}"`);
  logger.debug({ database: name }, 'created shadow database');
  shadowUrl.pathname = `/${name}`;
  return {
    name,
    url: shadowUrl.toString(),
    drop: async () => {
      await runAdminStatement(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      logger.debug({ database: name }, 'dropped shadow database');
    },
  };
}

async function runAdminStatement(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function createPool(connectionString: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 4 });
  pool.on('connect', (client) => {
    // Runs before pg's own handler builds the result, so adapter-pg only ever sees `text`.
    client.connection.prependListener('rowDescription', (message: { fields: { dataTypeID: number }[] }) => {
      for (const field of message.fields) {
        if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
      }
    });
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle migration connection failed'));
  return pool;
}
