// How the schema engine's migration scripts reach the database. The engine sends every migration
// through `executeScript`; both stock adapters get that method wrong for migrations (see
// postgres-adapter.ts and pglite-adapter.ts), so they are wrapped with this one.
import { DriverAdapterError } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import type { ScriptFailure } from '#prisma/migrate/errors';

/** Called with PostgreSQL's own error when a script fails, before the engine rewords it. */
export type OnScriptFailure = (failure: ScriptFailure) => void;

/**
 * Returns an adapter that delegates to `inner` but runs scripts with `executeScript` and, when
 * given, releases resources with `dispose` instead of the inner adapter's own.
 */
export function withScriptRunner(
  inner: SqlDriverAdapter,
  executeScript: (script: string) => Promise<void>,
  dispose: () => Promise<void> = () => inner.dispose(),
): SqlDriverAdapter {
  const adapter: SqlDriverAdapter = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query) => inner.queryRaw(query),
    executeRaw: (query) => inner.executeRaw(query),
    startTransaction: (isolationLevel) => inner.startTransaction(isolationLevel),
    executeScript,
    dispose,
  };
  if (inner.getConnectionInfo) {
    const getConnectionInfo = inner.getConnectionInfo.bind(inner);
    adapter.getConnectionInfo = () => getConnectionInfo();
  }
  return adapter;
}

/**
 * Runs `script` with `sendAsOneQuery`, which must send it whole over the simple query protocol:
 * PostgreSQL then runs all its statements as one implicit transaction, so a failure leaves none of
 * them applied, and `$$` bodies reach the server untouched. A PostgreSQL error is reported to
 * `onFailure` (with the line it happened on) and rethrown in the shape the engine reads.
 */
export async function runScriptAsOneQuery(
  script: string,
  sendAsOneQuery: (script: string) => Promise<unknown>,
  onFailure: OnScriptFailure,
): Promise<void> {
  try {
    await sendAsOneQuery(script);
  } catch (error) {
    const failure = readPostgresError(error, script);
    if (!failure) throw error;
    onFailure(failure);
    throw new DriverAdapterError({
      kind: 'postgres',
      code: failure.code ?? 'N/A',
      severity: failure.severity ?? 'ERROR',
      message: failure.message,
      detail: failure.detail,
      column: undefined,
      hint: failure.hint,
    });
  }
}

type PostgresErrorFields = { code: string; severity?: string; detail?: string; hint?: string; position?: string };

/**
 * PostgreSQL's own error from pg's DatabaseError or PGlite's (the same ErrorResponse fields), with
 * the line of `script` it points at; undefined for anything else.
 */
export function readPostgresError(error: unknown, script: string): ScriptFailure | undefined {
  if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') return undefined;
  const fields = error as Error & PostgresErrorFields;
  const position = Number(fields.position);
  return {
    code: fields.code,
    severity: fields.severity,
    message: fields.message,
    detail: fields.detail,
    hint: fields.hint,
    line: Number.isInteger(position) && position > 0 ? script.slice(0, position - 1).split('\n').length : undefined,
  };
}
