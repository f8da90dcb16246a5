// tsx prisma/migrate/cli.ts deploy | new <name> | check | status | resolve --rolled-back <name>
// Results go to stdout; with --verbose, pino logs (JSON) go to stderr.
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Logger } from 'pino';
import { resolveCliTarget } from '#prisma/migrate/cli-target';
import {
  applyMigrations,
  checkMigrations,
  createMigration,
  markMigrationRolledBack,
  MigrateError,
  migrationStatus,
} from '#prisma/migrate/index';
import type { MigrateOptions } from '#prisma/migrate/index';

const USAGE = `Usage: tsx prisma/migrate/cli.ts <command> [options]

Commands:
  deploy                       apply pending migrations, then changed prisma/functions files (npm run db:migrate)
  new <name> [--create-only]   create a migration from schema.prisma (npm run db:new -- <name>)
  check                        exit 2 when schema.prisma and the migrations differ, a migration re-creates a
                               function of prisma/functions, or (with --url) a deployed function differs
                               from its file (npm run db:check)
  status                       applied, pending and failed migrations
  resolve --rolled-back <name> mark a failed migration rolled back, so deploy retries it

Options:
  --url <postgres url>   target database; default DATABASE_URL, else PGlite in \${DATA_DIR:-./.data}/pglite
                         (check uses an in-memory PGlite unless --url is given: no server needed)
  --schema <path>        default prisma/schema.prisma
  --migrations <dir>     default prisma/migrations
  --functions <dir>      default prisma/functions
  --verbose              log what happens (JSON lines on stderr)
`;

const EXIT_ERROR = 1;
const EXIT_DRIFT = 2;

type Output = { write: (text: string) => void };

/** Runs one CLI invocation and returns its exit code. */
async function runCli(argv: string[], env: NodeJS.ProcessEnv, out: Output, err: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      schema: { type: 'string' },
      migrations: { type: 'string' },
      functions: { type: 'string' },
      'create-only': { type: 'boolean' },
      'rolled-back': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    (values.help ? out : err).write(USAGE);
    return values.help ? 0 : EXIT_ERROR;
  }
  const logger: Logger = pino({ level: values.verbose ? 'debug' : 'silent' }, pino.destination(2));
  const options: MigrateOptions = {
    schemaPath: values.schema,
    migrationsDir: values.migrations,
    functionsDir: values.functions,
    logger,
  };
  const startedAt = performance.now();
  const took = () => `(${((performance.now() - startedAt) / 1000).toFixed(1)} s)`;

  try {
    switch (command) {
      case 'deploy': {
        const { applied, functions } = await applyMigrations(resolveCliTarget(values.url, env), options);
        const parts = [
          applied.length === 0 ? 'No pending migrations' : `Applied ${applied.join(', ')}`,
          ...(functions.length === 0 ? [] : [`functions ${functions.join(', ')}`]),
        ];
        out.write(`${parts.join('; ')} ${took()}\n`);
        return 0;
      }
      case 'new': {
        const name = rest.join(' ');
        if (!name) {
          err.write('new needs a name: npm run db:new -- <name>\n');
          return EXIT_ERROR;
        }
        const created = await createMigration(resolveCliTarget(values.url, env), name, {
          ...options,
          createOnly: values['create-only'],
        });
        if (!created) {
          out.write(`No changes: schema.prisma and the migrations agree ${took()}\n`);
          return 0;
        }
        for (const warning of created.warnings) out.write(`warning: ${warning}\n`);
        out.write(`Created ${created.path}\n`);
        out.write(
          created.applied.length > 0
            ? `Applied ${created.applied.join(', ')} ${took()}\n`
            : `Not applied (--create-only) ${took()}\n`,
        );
        return 0;
      }
      case 'check': {
        const target = values.url ? resolveCliTarget(values.url, env) : undefined;
        const result = await checkMigrations(target, options);
        if (result.inSync) {
          out.write(`schema.prisma, the migrations and the function files agree ${took()}\n`);
          return 0;
        }
        if (result.diffSql !== undefined) {
          out.write(
            `schema.prisma and the migrations differ ${took()}. A new migration would contain:\n\n${result.diffSql}\n`,
          );
          out.write('Create it with: npm run db:new -- <name>\n');
        }
        for (const problem of result.functionProblems ?? []) out.write(`function: ${problem}\n`);
        return EXIT_DRIFT;
      }
      case 'status': {
        const status = await migrationStatus(resolveCliTarget(values.url, env), options);
        const line = (label: string, names: string[]) => (names.length > 0 ? `${label}: ${names.join(', ')}\n` : '');
        out.write(
          `${status.applied.length} applied, ${status.pending.length} pending, ${status.failed.length} failed ${took()}\n` +
            line('applied', status.applied) +
            line('pending', status.pending) +
            line('failed', status.failed) +
            line('edited since applied', status.edited) +
            line('applied but not in the directory', status.notInDirectory),
        );
        return status.failed.length > 0 || status.edited.length > 0 ? EXIT_ERROR : 0;
      }
      case 'resolve': {
        const name = values['rolled-back'];
        if (!name) {
          err.write('resolve needs --rolled-back <migration name>\n');
          return EXIT_ERROR;
        }
        await markMigrationRolledBack(resolveCliTarget(values.url, env), name, options);
        out.write(`Marked ${name} rolled back ${took()}\n`);
        return 0;
      }
      default:
        err.write(`Unknown command ${command}\n\n${USAGE}`);
        return EXIT_ERROR;
    }
  } catch (error) {
    logger.debug({ err: error }, 'command failed');
    const message =
      error instanceof MigrateError
        ? `${error.code}: ${error.message}`
        : String(error instanceof Error ? error.stack : error);
    err.write(`${message}\n`);
    return EXIT_ERROR;
  }
}

process.exitCode = await runCli(process.argv.slice(2), process.env, process.stdout, process.stderr);
