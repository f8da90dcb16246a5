// What went wrong in a migration command, in terms an operator can act on.

/**
 * - `migration_failed`: a migration's SQL failed; nothing from it was applied (one transaction),
 *   it is recorded as failed in `_prisma_migrations`.
 * - `failed_migration_recorded`: an earlier failure is still recorded, so nothing new is applied
 *   until it is resolved (`resolve --rolled-back <name>` after fixing it).
 * - `shadow_apply_failed`: a migration does not apply to an empty database (drift check, new).
 * - `needs_reset`: the database's history disagrees with prisma/migrations (edited or missing
 *   migrations, or changes made outside them); `new` will not reset a database for you.
 * - `unexecutable_change`: the next migration cannot run on this database's data as generated.
 * - `invalid_schema`: schema.prisma does not validate (the message quotes the line).
 * - `function_failed`: a file of prisma/functions failed to apply (or does not define the function
 *   it is named after); no function file was applied, the database keeps what it had.
 * - `engine_error`: anything else the schema engine reported.
 */
export type MigrateErrorCode =
  | 'migration_failed'
  | 'failed_migration_recorded'
  | 'shadow_apply_failed'
  | 'needs_reset'
  | 'unexecutable_change'
  | 'invalid_schema'
  | 'function_failed'
  | 'engine_error';

/** An error from the migrate tool: which migration, and what the database said. */
export class MigrateError extends Error {
  override readonly name = 'MigrateError';
  readonly code: MigrateErrorCode;
  readonly migrationName: string | undefined;
  /** The function file (prisma/functions/<name>.sql) a `function_failed` is about. */
  readonly functionName: string | undefined;
  readonly databaseError: string | undefined;
  /** Prisma's error code when the engine gave one (P3006, P3009, ...). */
  readonly engineCode: string | undefined;

  constructor(
    code: MigrateErrorCode,
    message: string,
    details: {
      migrationName?: string;
      functionName?: string;
      databaseError?: string;
      engineCode?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: details.cause });
    this.code = code;
    this.migrationName = details.migrationName;
    this.functionName = details.functionName;
    this.databaseError = details.databaseError;
    this.engineCode = details.engineCode;
  }
}

/** The raw error PostgreSQL (or PGlite) returned for the last script that failed, if any. */
export type ScriptFailure = {
  code?: string;
  severity?: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based line of the migration script PostgreSQL pointed at, when it did. */
  line?: number;
};

/**
 * Turns an error thrown by the wasm engine into a MigrateError. The engine's message carries a
 * span trace (`   0: ... with migration_name="..."`) after the human part; the migration name is
 * read from it, and the database error from `scriptFailure` when the failing script was ours.
 */
export function toMigrateError(error: unknown, scriptFailure?: ScriptFailure): MigrateError {
  if (error instanceof MigrateError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const engineCode = readEngineCode(error);
  const [human = raw] = raw.split(/\n\s+0: /);
  const summary = human.replace(/^external connector error\n/, '').trim();

  const applying = /with migration_name="([^"]+)"/.exec(raw);
  if (applying?.[1] && /apply_migrations/.test(raw)) {
    const migrationName = applying[1];
    const databaseError = scriptFailure ? describeScriptFailure(scriptFailure) : summary;
    return new MigrateError(
      'migration_failed',
      `Migration ${migrationName} failed and was rolled back, nothing from it was applied: ${databaseError}`,
      { migrationName, databaseError, engineCode, cause: error },
    );
  }
  if (engineCode === 'P3009') {
    const migrationName = /The `([^`]+)` migration/.exec(raw)?.[1];
    return new MigrateError(
      'failed_migration_recorded',
      `${summary}\nFix the migration, then mark it rolled back with \`tsx prisma/migrate/cli.ts resolve --rolled-back ${migrationName ?? '<name>'}\` and deploy again.`,
      { migrationName, engineCode, cause: error },
    );
  }
  if (engineCode === 'P3006' || /failed to apply cleanly to the shadow database/.test(raw)) {
    const migrationName = /Migration `([^`]+)`/.exec(raw)?.[1];
    const databaseError = scriptFailure ? describeScriptFailure(scriptFailure) : summary;
    return new MigrateError(
      'shadow_apply_failed',
      `Migration ${migrationName ?? '(unknown)'} does not apply to an empty database: ${databaseError}`,
      { migrationName, databaseError, engineCode, cause: error },
    );
  }
  if (engineCode === 'P1012') return new MigrateError('invalid_schema', summary, { engineCode, cause: error });
  return new MigrateError('engine_error', summary, { engineCode, cause: error });
}

/** `42P07 relation "t1" already exists (line 3)`: the SQLSTATE, PostgreSQL's words, where. */
export function describeScriptFailure(failure: ScriptFailure): string {
  const parts = [failure.code ? `${failure.code} ${failure.message}` : failure.message];
  if (failure.line !== undefined) parts[0] += ` (line ${failure.line})`;
  if (failure.detail) parts.push(`detail: ${failure.detail}`);
  if (failure.hint) parts.push(`hint: ${failure.hint}`);
  return parts.join('; ');
}

function readEngineCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
