// One schema engine per command, connected to the target through the right adapter.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import type { Logger } from 'pino';
import { acquireDataDirLock, embeddedLockPath, type DataDirLock } from '#core/infra/db/data-dir-lock';
import { trackConnections } from '#prisma/migrate/adapter-tracking';
import { pgliteTransactions, postgresTransactions } from '#prisma/migrate/apply-function-sources';
import type { RunInTransaction } from '#prisma/migrate/apply-function-sources';
import { toMigrateError } from '#prisma/migrate/errors';
import type { ScriptFailure } from '#prisma/migrate/errors';
import { loadSchemaEngine } from '#prisma/migrate/load-wasm-engine';
import { createPgliteAdapterFactory } from '#prisma/migrate/pglite-adapter';
import { startEmptyPglite } from '#prisma/migrate/pglite-snapshot';
import { createPostgresAdapterFactory } from '#prisma/migrate/postgres-adapter';
import type { OnScriptFailure } from '#prisma/migrate/script-adapter';
import type { MigrationTarget } from '#prisma/migrate/types';

/** The engine a command runs on, and a way to read the target database directly. */
export type EngineSession = {
  engine: SchemaEngine;
  /** Runs a read-only query without parameters on the main database; rows as arrays. */
  queryMain: (sql: string) => Promise<unknown[][]>;
};

/** The engine's target; `pglite-throw-away` is an in-memory PGlite that is also the shadow database. */
export type EngineTarget = MigrationTarget | { kind: 'pglite-throw-away' };

/**
 * Opens a schema engine on `target` with the given datamodel, runs `command`, then frees the engine
 * and closes everything opened for it: connection pools, shadow databases, a PGlite opened from
 * `dataDir`. A PGlite passed in as `db` stays open. Errors come out as MigrateError.
 *
 * `{ kind: 'pglite-throw-away' }` suits commands that never touch the main database (the drift
 * check): one PGlite start instead of two.
 *
 * `afterEngine` runs once the engine is freed and its connections are closed, with transactions on
 * the main database: the engine keeps the migrations' advisory lock until its connection closes,
 * so work that takes that lock on a connection of its own (the function files) must wait till then.
 */
export async function withSchemaEngine<T>(
  target: EngineTarget,
  schema: { path: string; content: string },
  logger: Logger,
  command: (session: EngineSession) => Promise<T>,
  afterEngine?: (inMainTransaction: RunInTransaction) => Promise<void>,
): Promise<T> {
  let lastScriptFailure: ScriptFailure | undefined;
  const backend = createBackend(target, logger, (failure) => {
    lastScriptFailure = failure;
  });
  const { factory, disposeAll } = trackConnections(backend.factory);
  // The engine's own timers do not hold the process open (load-wasm-engine.ts); this does, for
  // as long as the command runs.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    const SchemaEngineClass = await loadSchemaEngine();
    const engine = await SchemaEngineClass.new(
      { datamodels: [[schema.path, schema.content]] },
      (line: string) => logger.trace({ engine: line }, 'schema engine log'),
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    let result: T;
    try {
      result = await command({ engine, queryMain: (sql) => queryOnce(factory, sql) });
    } finally {
      engine.free();
    }
    if (afterEngine) {
      await disposeAll();
      await afterEngine(backend.inMainTransaction);
    }
    return result;
  } catch (error) {
    throw toMigrateError(error, lastScriptFailure);
  } finally {
    clearInterval(keepAlive);
    // Closing must not hide the command's own outcome; a failure here is only worth a warning.
    await disposeAll().catch((error: unknown) => logger.warn({ err: error }, 'closing migration connections failed'));
    await backend.close().catch((error: unknown) => logger.warn({ err: error }, 'closing PGlite failed'));
  }
}

async function queryOnce(factory: SqlMigrationAwareDriverAdapterFactory, sql: string): Promise<unknown[][]> {
  const adapter = await factory.connect();
  try {
    return (await adapter.queryRaw({ sql, args: [], argTypes: [] })).rows;
  } finally {
    await adapter.dispose();
  }
}

type Backend = {
  factory: SqlMigrationAwareDriverAdapterFactory;
  inMainTransaction: RunInTransaction;
  close: () => Promise<void>;
};

function createBackend(target: EngineTarget, logger: Logger, onScriptFailure: OnScriptFailure): Backend {
  if (target.kind === 'postgres') {
    return {
      factory: createPostgresAdapterFactory({ url: target.url, onScriptFailure, logger }),
      inMainTransaction: postgresTransactions(target.url),
      close: async () => {},
    };
  }
  let opened: PGlite | undefined;
  let lock: DataDirLock | undefined;
  const db = target.kind === 'pglite' ? target.db : undefined;
  const dataDir = target.kind === 'pglite' ? target.dataDir : undefined;
  const pglite = createPgliteAdapterFactory({
    isMainThrowAway: target.kind === 'pglite-throw-away',
    onScriptFailure,
    logger,
    openMain: async () => {
      if (db) return db;
      if (dataDir === undefined) {
        opened = await startEmptyPglite(logger);
        return opened;
      }
      const startedAt = performance.now();
      await mkdir(dataDir, { recursive: true });
      // The same single-writer lock as the app: never migrate files a running server has open.
      lock = await acquireDataDirLock(embeddedLockPath(dataDir));
      opened = await PGlite.create({ dataDir });
      logger.debug({ dataDir, ms: Math.round(performance.now() - startedAt) }, 'opened PGlite');
      return opened;
    },
  });
  return {
    factory: pglite.factory,
    inMainTransaction: pgliteTransactions(pglite.main),
    close: async () => {
      try {
        await pglite.close();
        await opened?.close();
      } finally {
        await lock?.release();
      }
    },
  };
}
