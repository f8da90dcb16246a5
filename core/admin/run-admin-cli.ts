import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AdminActor, AdminDeps } from '#core/admin/admin-deps';
import type { Admin } from '#core/admin/create-admin';
import { parseUserRef, type UserRef } from '#core/admin/find-user';
import * as format from '#core/admin/format-admin-output';
import { ConfigError, loadConfig, type AppConfig } from '#core/config/load-config';
import { isAppError, type AppErrorCode } from '#core/errors/app-error';
import { systemClock } from '#core/infra/clock';
import { redactText } from '#core/infra/logger';

/** Exit codes of `npm run admin`. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

/** Where the CLI writes; `process.stdout` and `process.stderr` in the entry point. */
export type CliOutput = { write(text: string): unknown };

/** The help text (`npm run admin -- --help`). */
export const ADMIN_USAGE = `Usage: npm run admin -- <command> [arguments] [--json]

Users are named by email, telegram:<id>, discord:<id> or account id (uuid).

Commands:
  find-user <user>                                   the account and its identities
  balance <user>                                     available, reserved and owed credits
  ledger <user> [--limit N]                          the last N credit movements (default 20)
  grant <user> <credits> --reason <text> [--key K]   add an admin lot; the same key never grants twice
  revoke <user> <credits> --reason <text> [--key K]  take credits back; what was spent becomes a debt
  refund-payment <payment id | external id>          refund through Telegram Stars or Stripe
  suspend <user> [--hours N] --reason <text>         stop generation (until lifted without --hours)
  unsuspend <user>                                   lift every suspension
  moderation <user> [--limit N]                      moderation events and suspensions
  stats                                              users, generations and credits: 24 h and all time
  stars-reconcile                                    apply Telegram Stars payments whose update was lost (once each)

Options:
  --json   machine-readable output (errors too, on stdout)
  --help   this text

Every command is written to the audit log as cli:<os user>.
Exit codes: 0 done, 1 not found or refused (the reason is printed), 2 usage error.
`;

type Options = { json?: boolean; help?: boolean; limit?: string; reason?: string; key?: string; hours?: string };

type Command = {
  /** Positional arguments after the command name. */
  arity: number;
  /** Options this command accepts besides --json. */
  options: (keyof Options)[];
  /** Options it cannot run without. */
  required?: (keyof Options)[];
  /** Whether its first argument names a user. */
  takesUser: boolean;
};

const COMMANDS: Record<string, Command> = {
  'find-user': { arity: 1, options: [], takesUser: true },
  balance: { arity: 1, options: [], takesUser: true },
  ledger: { arity: 1, options: ['limit'], takesUser: true },
  grant: { arity: 2, options: ['reason', 'key'], required: ['reason'], takesUser: true },
  revoke: { arity: 2, options: ['reason', 'key'], required: ['reason'], takesUser: true },
  'refund-payment': { arity: 1, options: [], takesUser: false },
  suspend: { arity: 1, options: ['hours', 'reason'], required: ['reason'], takesUser: true },
  unsuspend: { arity: 1, options: [], takesUser: true },
  moderation: { arity: 1, options: ['limit'], takesUser: true },
  stats: { arity: 0, options: [], takesUser: false },
  'stars-reconcile': { arity: 0, options: [], takesUser: false },
};

class UsageError extends Error {}

type Parsed = { name: string; args: string[]; options: Options; ref: UserRef | undefined };

/**
 * Runs one `npm run admin -- <command>` invocation and returns its exit code. Arguments are
 * checked before anything is opened, so a usage error never touches the database. Against
 * PostgreSQL it opens the database itself. Against the embedded database, which one process
 * at a time may open, it hands the command to the running server over its admin socket
 * (`DATA_DIR/run/admin.sock`) and prints what comes back; with no server running it opens the
 * database itself, under the same lock. Never migrates.
 */
export async function runAdminCli(
  argv: string[],
  io: { env: NodeJS.ProcessEnv; stdout: CliOutput; stderr: CliOutput; actor: AdminActor },
): Promise<number> {
  const parsed = parseOrExplain(argv, io);
  if (typeof parsed === 'number') return parsed;
  let config: AppConfig;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) return failure(parsed, io, 'config', error.message);
    throw error;
  }
  // Loaded only once the arguments are valid: a usage error answers at once.
  const [{ createDatabase }, { sendAdminCommand, adminSocketPath }, { DataDirLockedError }] = await Promise.all([
    import('#core/infra/db/create-database'),
    import('#core/admin/admin-socket'),
    import('#core/infra/db/data-dir-lock'),
  ]);
  const isEmbedded = config.database.kind === 'pglite';
  const deadline = Date.now() + EMBEDDED_WAIT_MS;
  for (;;) {
    if (isEmbedded) {
      try {
        const forwarded = await sendAdminCommand(adminSocketPath(config.dataDir), { argv, actor: io.actor }, io);
        if (forwarded !== 'no-server') return forwarded;
      } catch (error) {
        return failure(parsed, io, 'internal', error instanceof Error ? error.message : String(error));
      }
    }
    let database: Awaited<ReturnType<typeof createDatabase>>;
    try {
      database = await createDatabase(config.database, { poolSize: 2 });
    } catch (error) {
      // The holder may be a server still starting (its socket comes once it has migrated) or another command.
      if (error instanceof DataDirLockedError && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      if (error instanceof DataDirLockedError) return failure(parsed, io, 'conflict', error.message);
      throw error;
    }
    try {
      return await executeAdminCommand(parsed, { config, prisma: database.prisma }, io);
    } finally {
      await database.close();
    }
  }
}

/** How long the CLI waits for an embedded database held by a process that is not (yet) answering on its socket. */
const EMBEDDED_WAIT_MS = 15_000;

/**
 * Runs one admin command line inside a process that already has the database open: the
 * server, for commands that reach it over the admin socket. The arguments are checked again
 * here (the same command table as the CLI), so the socket accepts nothing the CLI would refuse.
 */
export async function runAdminCommand(
  argv: string[],
  context: AdminContext,
  io: { stdout: CliOutput; stderr: CliOutput; actor: AdminActor },
): Promise<number> {
  const parsed = parseOrExplain(argv, io);
  if (typeof parsed === 'number') return parsed;
  return executeAdminCommand(parsed, context, io);
}

/** What a command runs against: the configuration (for the refund clients) and an open database. */
export type AdminContext = { config: AppConfig; prisma: AdminDeps['prisma'] };

function parseOrExplain(argv: string[], io: { stdout: CliOutput; stderr: CliOutput }): Parsed | number {
  try {
    const result = parseCommand(argv);
    if (result !== 'help') return result;
    io.stdout.write(ADMIN_USAGE);
    return EXIT.ok;
  } catch (error) {
    const message = error instanceof UsageError || error instanceof TypeError ? error.message : String(error);
    io.stderr.write(`${message}\nRun npm run admin -- --help for the commands.\n`);
    return EXIT.usage;
  }
}

function failure(
  parsed: Parsed,
  io: { stdout: CliOutput; stderr: CliOutput },
  code: AppErrorCode | 'config' | 'internal',
  message: string,
): number {
  if (parsed.options.json === true) io.stdout.write(format.toJson({ error: { code, message } }));
  else io.stderr.write(`${message}\n`);
  return EXIT.refused;
}

async function executeAdminCommand(
  parsed: Parsed,
  context: AdminContext,
  io: { stdout: CliOutput; stderr: CliOutput; actor: AdminActor },
): Promise<number> {
  const [
    { createStripeClient },
    { createBotApiStarsRefunds },
    { createAdmin },
    { createBotApiStarTransactions },
    { CATALOG },
    { createLogger },
    { createMailer },
  ] = await Promise.all([
    import('#core/infra/stripe-client'),
    import('#core/admin/bot-api-stars-refunds'),
    import('#core/admin/create-admin'),
    import('#core/admin/bot-api-star-transactions'),
    import('#core/catalog/catalog'),
    import('#core/infra/logger'),
    import('#core/infra/mail/create-mailer'),
  ]);
  const { config } = context;
  try {
    const stars = config.telegram
      ? createBotApiStarsRefunds({ token: config.telegram.token, apiRoot: config.telegram.apiRoot })
      : undefined;
    // Logs of a command go to stderr, so stdout stays its result (JSON with --json).
    const logger = createLogger({ level: config.logLevel, destination: process.stderr });
    const starsReconcile = config.telegram
      ? {
          source: createBotApiStarTransactions({ token: config.telegram.token, apiRoot: config.telegram.apiRoot }),
          deps: {
            catalog: CATALOG,
            config,
            logger,
            // A payment applied here owes its receipt like any other.
            mailer: createMailer({
              smtpUrl: config.mail.smtpUrl,
              from: config.mail.from,
              outboxDir: path.join(config.dataDir, 'outbox'),
              logger,
            }),
          },
        }
      : undefined;
    const admin = createAdmin(
      { prisma: context.prisma, clock: systemClock, config },
      {
        stars,
        stripe: parsed.name === 'refund-payment' ? createStripeClient(config.stripe) : undefined,
        starsReconcile,
      },
    );
    const text = await runCommand(admin, parsed, io.actor);
    io.stdout.write(parsed.options.json === true ? format.toJson(text.json) : text.human);
    return EXIT.ok;
  } catch (error) {
    if (isAppError(error))
      return failure(parsed, io, error.code, error.message === error.code ? describeCode(error.code) : error.message);
    return failure(
      parsed,
      io,
      'internal',
      `failed: ${redactText(error instanceof Error ? error.message : String(error))}`,
    );
  }
}

function parseCommand(argv: string[]): Parsed | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      limit: { type: 'string' },
      reason: { type: 'string' },
      key: { type: 'string' },
      hours: { type: 'string' },
    },
  });
  const options = values as Options;
  const [name, ...args] = positionals;
  if (options.help || name === 'help') return 'help';
  if (!name) throw new UsageError('a command is needed');
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(`unknown command: ${name}`);
  if (args.length !== command.arity)
    throw new UsageError(
      `${name} takes ${command.arity} argument${command.arity === 1 ? '' : 's'}, got ${args.length}`,
    );
  for (const option of ['limit', 'reason', 'key', 'hours'] as const) {
    if (options[option] !== undefined && !command.options.includes(option))
      throw new UsageError(`${name} does not take --${option}`);
  }
  for (const option of command.required ?? []) {
    const value = options[option];
    if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${name} needs --${option} <text>`);
  }
  if (options.limit !== undefined) positiveInteger(options.limit, '--limit');
  if (options.hours !== undefined) positiveInteger(options.hours, '--hours');
  if (options.key !== undefined && !/^[\w.:-]{1,100}$/.test(options.key))
    throw new UsageError('--key must be 1-100 of letters, digits, _ . : -');
  if (name === 'grant' || name === 'revoke') positiveInteger(args[1] ?? '', 'credits');
  let ref: UserRef | undefined;
  if (command.takesUser) {
    ref = parseUserRef(args[0] ?? '');
    if (!ref)
      throw new UsageError(`not a user: ${args[0] ?? ''} (use an email, telegram:<id>, discord:<id> or an account id)`);
  }
  return { name, args, options, ref };
}

async function runCommand(admin: Admin, parsed: Parsed, actor: AdminActor): Promise<{ human: string; json: unknown }> {
  const { name, args, options } = parsed;
  const ref = parsed.ref as UserRef;
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  switch (name) {
    case 'find-user': {
      const user = await admin.findUser({ ref, actor });
      return { human: format.formatUser(user), json: user };
    }
    case 'balance': {
      const { user, balance } = await admin.viewBalance({ ref, actor });
      return { human: format.formatBalance(user, balance), json: { userId: user.id, ...balance } };
    }
    case 'ledger': {
      const { user, lines } = await admin.viewLedger({ ref, ...(limit === undefined ? {} : { limit }), actor });
      return { human: format.formatLedger(user, lines), json: { userId: user.id, lines } };
    }
    case 'grant':
    case 'revoke': {
      const amount = Number(args[1]);
      const input = { ref, amount, reason: (options.reason ?? '').trim(), key: options.key ?? randomUUID(), actor };
      if (name === 'grant') {
        const result = await admin.grantCredits(input);
        return {
          human: format.formatGrant(result, amount),
          json: {
            userId: result.user.id,
            applied: result.applied,
            key: result.key,
            lotId: result.lotId ?? null,
            debtSettled: result.debtSettled,
            balance: result.balance,
          },
        };
      }
      const result = await admin.revokeCredits(input);
      return {
        human: format.formatRevoke(result, amount),
        json: {
          userId: result.user.id,
          applied: result.applied,
          key: result.key,
          taken: result.taken,
          owed: result.owed,
          balance: result.balance,
        },
      };
    }
    case 'refund-payment': {
      const result = await admin.refundPayment({ ref: args[0] ?? '', actor });
      return { human: format.formatRefund(result), json: result };
    }
    case 'suspend': {
      const { user, until } = await admin.suspend({
        ref,
        hours: options.hours === undefined ? undefined : Number(options.hours),
        reason: (options.reason ?? '').trim(),
        actor,
      });
      return {
        human: format.formatSuspension(user, { suspendedUntil: until }),
        json: { userId: user.id, status: user.status, until, reason: user.suspendedReason },
      };
    }
    case 'unsuspend': {
      const { user } = await admin.unsuspend({ ref, actor });
      return { human: format.formatSuspension(user, 'lifted'), json: { userId: user.id, status: user.status } };
    }
    case 'moderation': {
      const { user, events, suspensions } = await admin.viewModeration({
        ref,
        ...(limit === undefined ? {} : { limit }),
        actor,
      });
      return {
        human: format.formatModeration(user, events, suspensions),
        json: { userId: user.id, status: user.status, events, suspensions },
      };
    }
    case 'stats': {
      const stats = await admin.stats({ actor });
      return { human: format.formatStats(stats), json: stats };
    }
    case 'stars-reconcile': {
      const report = await admin.reconcileStars({ actor });
      return { human: format.formatStarsReconcile(report), json: report };
    }
    default:
      throw new UsageError(`unknown command: ${name}`);
  }
}

function positiveInteger(text: string, what: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) <= 0)
    throw new UsageError(`${what} must be a positive whole number, got ${text || 'nothing'}`);
  return Number(text);
}

function describeCode(code: AppErrorCode): string {
  return code.replace(/_/g, ' ');
}
