// The schema engine's connection to an embedded PGlite database, built on pglite-prisma-adapter
// 0.7.2 with its migration problems fixed.
import type { PGlite } from '@electric-sql/pglite';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Logger } from 'pino';
import { startEmptyPglite } from '#prisma/migrate/pglite-snapshot';
import { runScriptAsOneQuery, withScriptRunner } from '#prisma/migrate/script-adapter';
import type { OnScriptFailure } from '#prisma/migrate/script-adapter';

const ADAPTER_NAME = 'pglite-prisma-adapter';

// Empties a shadow database for its next use: what the native engine does to a configured
// shadow database before each use. Every schema but PostgreSQL's own goes, with all it holds.
const WIPE_SCRIPT = `
DO $$
DECLARE s record;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
  END LOOP;
END $$;
CREATE SCHEMA public;
`;

/** Adapter factory for PGlite and the PGlite instances it started, to be closed by the caller. */
export type PgliteAdapterFactory = {
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** The main database, opened on first use (by the engine or by this). */
  main: () => Promise<PGlite>;
  close: () => Promise<void>;
};

/**
 * Adapter factory for the schema engine on PGlite.
 *
 * - pglite-prisma-adapter's `executeScript` does not await `exec`, so a failing migration is
 *   recorded as applied. Here the script is awaited (runScriptAsOneQuery); `exec` sends it as one
 *   simple query, one implicit transaction, so a failing migration leaves nothing behind.
 * - Its shadow database is an in-memory PGlite that is never closed. Here shadow databases are
 *   in-memory PGlite instances this factory starts (pglite-snapshot.ts), wiped after each use and
 *   reused within the command (`devDiagnostic` asks for two), closed by `close`.
 *   With `isMainThrowAway`, the main database doubles as the first shadow database: a drift check
 *   needs only one PGlite.
 *
 * `openMain` is called at most once, when the engine first connects (as soon as it starts).
 */
export function createPgliteAdapterFactory(options: {
  openMain: () => Promise<PGlite>;
  isMainThrowAway: boolean;
  onScriptFailure: OnScriptFailure;
  logger: Logger;
}): PgliteAdapterFactory {
  const { openMain, isMainThrowAway, onScriptFailure, logger } = options;
  let main: Promise<PGlite> | undefined;
  const getMain = () => (main ??= openMain());
  const started: PGlite[] = [];
  const idleShadows: PGlite[] = [];
  let hasLentMain = false;

  const takeShadow = async (): Promise<PGlite> => {
    const idle = idleShadows.pop();
    if (idle) return idle;
    if (isMainThrowAway && !hasLentMain) {
      hasLentMain = true;
      return getMain();
    }
    const shadow = await startEmptyPglite(logger);
    started.push(shadow);
    return shadow;
  };

  return {
    main: getMain,
    factory: {
      provider: 'postgres',
      adapterName: ADAPTER_NAME,
      connect: async () => connectTo(await getMain(), onScriptFailure, async () => {}),
      connectToShadowDb: async () => {
        const shadow = await takeShadow();
        return connectTo(shadow, onScriptFailure, async () => {
          await shadow.exec(WIPE_SCRIPT);
          idleShadows.push(shadow);
        });
      },
    },
    close: async () => {
      await Promise.all(started.map((db) => db.close()));
    },
  };
}

async function connectTo(
  db: PGlite,
  onScriptFailure: OnScriptFailure,
  dispose: () => Promise<void>,
): Promise<SqlDriverAdapter> {
  const inner = await new PrismaPGlite(db).connect();
  return withScriptRunner(
    inner,
    (script) => runScriptAsOneQuery(script, (sql) => db.exec(sql), onScriptFailure),
    dispose,
  );
}
