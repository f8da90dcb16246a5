/**
 * `npm run fault`: fault injection against a whole deployment of main.ts processes (web, two
 * workers, the Telegram bot) while simulated Telegram users keep asking for pictures.
 *
 * Everything runs on servers of its own, so nothing shared is disturbed: a PostgreSQL cluster
 * made with initdb in a temp directory, a redis-server on a free port, the fake Bot API and the
 * fake Gemini API (the image provider, GOOGLE_API_KEY + GOOGLE_GENAI_BASE_URL). All on 127.0.0.1.
 *
 * Faults, one phase each, each on a fresh start of the processes and an empty Redis (so one
 * phase's damage does not spill into the next; the database and the checks carry over): Redis
 * killed and started empty; Redis frozen for 12 s (SIGSTOP); PostgreSQL crashed (`pg_ctl stop -m
 * immediate`) and started, after 3 s and after 20 s; a worker SIGKILLed and restarted 20 times
 * (alternating); the provider answering 500, then 429, then hanging; the provider down 20 s with
 * a second one (the fake OpenAI API) configured. After each phase:
 * - every generation ended (succeeded, or failed and refunded) by its deadline and a sweep;
 * - no credit lost or doubled: ledger invariants, one reserve and one capture or release per job,
 *   per user credits = grants - cost of succeeded jobs, one picture per charged job;
 * - every simulated request got an answer;
 * - the service answers again within 10 s of the fault's end: /readyz 200 and a new /imagine's picture.
 * And the loss the users saw: the requests of the load that ended without a picture, by cause
 * (the ending message's key, or "no answer"). No phase may lose any, except the provider hang,
 * whose hung calls may end refunded at the job deadline (`job.timed_out`); anything else is MISSED.
 * Prints a table, writes bench/fault-results.md and exits 1 on any violation or miss.
 *
 * Options: --only redis,redis-stall,postgres,postgres-long,kill,provider,provider-down  --kills 20  --env KEY=VALUE (repeatable, passed
 * to every service process, e.g. --env VIDEO_JOB_TIMEOUT_SECONDS=30).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DELIVERY_LEASE_MS } from '#core/generation/deliver-final-message';
import { applyMigrations } from '#prisma/migrate/index';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import { startFakeTelegram, type FakeTelegram } from '#tests/fakes/telegram-bot-api';
import {
  ChatWatcher,
  onboardUsers,
  openConsole,
  sendImagine,
  textOf,
  type OperatorConsole,
} from '#tests/ops/scale-out/chat-users';
import { Deployment } from '#tests/ops/scale-out/deployment';
import { auditGenerations, waitUntilSettled } from '#tests/ops/scale-out/generation-audit';
import { startOwnRedis, type OwnRedis } from '#tests/ops/scale-out/own-redis';
import { describeMachine, formatMs, markdownTable, writeResults } from '#tests/bench/report';
import { startClosedLoop, type LoadTally } from '#tests/ops/fault/closed-loop-users';
import { createDatabaseOn, startOwnPostgres, type OwnPostgres } from '#tests/ops/fault/own-postgres';

const PHASES = ['redis', 'redis-stall', 'postgres', 'postgres-long', 'kill', 'provider', 'provider-down'] as const;
type PhaseName = (typeof PHASES)[number];

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    kills: { type: 'string', default: '20' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const selected = (args.only?.split(',').map((name) => name.trim()) ?? [...PHASES]) as PhaseName[];
const unknown = selected.filter((name) => !(PHASES as readonly string[]).includes(name));
if (unknown.length > 0) throw new Error(`unknown phase(s) ${unknown.join(', ')}; choose from ${PHASES.join(', ')}`);
const KILLS = Number(args.kills);
const EXTRA_ENV = Object.fromEntries(
  args.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);

const BOT_TOKEN = '7000000002:AAFaultScriptFakeTokenForOps01';
const LOAD_USERS = Array.from({ length: 12 }, (_, index) => 820_000_001 + index);
const PROBE_USERS = Array.from({ length: 12 }, (_, index) => 820_100_001 + index);
const WORKERS = ['worker-1', 'worker-2'] as const;
/** The processes of the deployment and their roles. */
const SERVICES = [
  ...WORKERS.map((name) => ({ name, roles: ['worker'] as const })),
  { name: 'web', roles: ['web'] as const },
  { name: 'telegram', roles: ['telegram'] as const },
];
/** Every job's deadline; lost jobs are refunded by the sweep after it. */
const JOB_TIMEOUT_SECONDS = 45;
/** The workers' sweep interval (SWEEP_INTERVAL_MS in start-generation-worker.ts). */
const SWEEP_MS = 30_000;
const PROVIDER_LATENCY_MS = 1_000;
const PROVIDER_LIMIT = 4;
const RECOVERY_LIMIT_MS = 10_000;
const WARMUP_MS = 6_000;
const SCRIPT_LIMIT_MS = 30 * 60_000;
const GENERATE_PATH = /:generateContent$/;
const OPENAI_IMAGES_PATH = '/v1/images/generations';
/** How long the long PostgreSQL outage and the provider outage last. */
const LONG_OUTAGE_MS = 20_000;
/** Endings a phase may show: only the hung provider calls, refunded at the job deadline. */
const ALLOWED_ENDINGS: Record<string, readonly string[]> = { 'provider hang': ['job.timed_out'] };

type Context = {
  deployment: Deployment;
  operator: OperatorConsole;
  telegram: FakeTelegram;
  watcher: ChatWatcher;
  google: FakeGoogleGenAIApi;
  openai: FakeOpenAIApi;
  redis: OwnRedis;
  postgres: OwnPostgres;
};
/** One phase; `env` is added to every process for it (the deployment restarts with it). */
type PhaseSpec = { name: string; fault: string; env?: Record<string, string>; inject(): Promise<string> };
/** The load's requests that ended without a picture, by cause, and whether that is within the phase's allowance. */
type Loss = { causes: Record<string, number>; total: number; missed: boolean };
type PhaseResult = {
  name: string;
  fault: string;
  note: string;
  tally: LoadTally;
  loss: Loss;
  readyMs: number | undefined;
  pictureMs: number | undefined;
  byStatus: Record<string, number>;
  resent: number;
  problems: string[];
};

const cleanups: (() => Promise<unknown>)[] = [];
let isCleaning = false;

async function cleanUp(): Promise<void> {
  if (isCleaning) return;
  isCleaning = true;
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `condition` holds, up to `timeoutMs`; false when it never did. */
async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(100);
  }
  return false;
}

function providerRequestsSince(google: FakeGoogleGenAIApi, since: number): number {
  return google.requests.filter((request) => GENERATE_PATH.test(request.path) && request.at.getTime() >= since).length;
}

/** Stops every process, empties Redis and starts them all again (with `env` added): the next phase begins clean. */
async function restartDeployment(context: Context, env: Record<string, string> = {}): Promise<void> {
  await context.deployment.stopAll();
  await context.redis.stop();
  await context.redis.start();
  await Promise.all(SERVICES.map((service) => context.deployment.start(service.name, service.roles, env)));
}

async function setUp(): Promise<Context> {
  log('starting PostgreSQL (initdb), Redis and the fakes…');
  const postgres = await startOwnPostgres();
  cleanups.push(() => postgres.destroy());
  const databaseUrl = await createDatabaseOn(postgres, 'imagine_fault');
  await applyMigrations({ kind: 'postgres', url: databaseUrl });
  const redis = await startOwnRedis();
  cleanups.push(() => redis.stop());
  const telegram = await startFakeTelegram();
  cleanups.push(() => telegram.close());
  const google = await FakeGoogleGenAIApi.start({ delayMs: PROVIDER_LATENCY_MS });
  cleanups.push(() => google.close());
  const openai = await FakeOpenAIApi.start({ delayMs: PROVIDER_LATENCY_MS });
  cleanups.push(() => openai.close());
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-fault-'));
  cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));

  const operator = await openConsole({ databaseUrl, dataDir, env: { SIGNUP_CREDITS: '1000' } });
  cleanups.push(() => operator.close());
  await onboardUsers(operator.core, [...LOAD_USERS, ...PROBE_USERS]);

  const deployment = await Deployment.create({
    databaseUrl,
    redisUrl: redis.url,
    dataDir,
    telegramApiRoot: telegram.apiRoot,
    botToken: BOT_TOKEN,
    env: {
      GOOGLE_API_KEY: google.apiKey,
      GOOGLE_GENAI_BASE_URL: google.baseUrl,
      PROVIDER_LIMITS: JSON.stringify({ google: { maxConcurrent: PROVIDER_LIMIT, requestsPerMinute: 10_000 } }),
      IMAGE_JOB_TIMEOUT_SECONDS: String(JOB_TIMEOUT_SECONDS),
      WORKER_CONCURRENCY: '4',
      ...EXTRA_ENV,
    },
  });
  cleanups.push(async () => {
    const lines = deployment
      .history()
      .flatMap((service) =>
        service.logs.map((line) => JSON.stringify({ process: service.name, pid: service.pid, ...line })),
      );
    const file = path.join(os.tmpdir(), `imagine-fault-logs-${Date.now()}.jsonl`);
    await fs.writeFile(file, `${lines.join('\n')}\n`);
    log(`the log lines of every service process: ${file}`);
  });
  cleanups.push(async () => {
    await deployment.stopAll().catch(() => undefined);
    await Promise.all(deployment.processes().map((service) => service.kill()));
  });
  log('starting web, telegram and two workers (main.ts)…');
  await Promise.all(SERVICES.map((service) => deployment.start(service.name, service.roles)));
  return { deployment, operator, telegram, watcher: new ChatWatcher(telegram), google, openai, redis, postgres };
}

function phasesOf(context: Context): Record<PhaseName, PhaseSpec[]> {
  const { redis, postgres, deployment, google, openai } = context;
  const outage = async (stop: () => Promise<void>, start: () => Promise<void>, downMs = 3_000) => {
    await stop();
    await sleep(downMs);
    await start();
  };
  return {
    redis: [
      {
        name: 'redis',
        fault: 'Redis killed, down 3 s, started empty',
        inject: async () => {
          await outage(
            () => redis.stop(),
            () => redis.start(),
          );
          return 'all keys lost';
        },
      },
    ],
    'redis-stall': [
      {
        name: 'redis-stall',
        fault: 'Redis frozen 12 s (SIGSTOP), then resumed with its data',
        inject: async () => {
          await redis.freeze(12_000);
          return '';
        },
      },
    ],
    postgres: [
      {
        name: 'postgres',
        fault: 'PostgreSQL crashed (stop -m immediate), down 3 s, started',
        inject: async () => {
          await outage(
            () => postgres.stop('immediate'),
            () => postgres.start(),
          );
          return '';
        },
      },
    ],
    'postgres-long': [
      {
        name: 'postgres 20 s',
        fault: `PostgreSQL crashed (stop -m immediate), down ${formatMs(LONG_OUTAGE_MS)}, started`,
        inject: async () => {
          await outage(
            () => postgres.stop('immediate'),
            () => postgres.start(),
            LONG_OUTAGE_MS,
          );
          return 'requests held meanwhile';
        },
      },
    ],
    'provider-down': [
      {
        name: 'provider down',
        fault: `the provider answers 503 to every call for ${formatMs(LONG_OUTAGE_MS)}; a second provider (OpenAI) is configured`,
        env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.baseURL },
        inject: async () => {
          const since = Date.now();
          google.failNext(GENERATE_PATH, { status: 503, times: 1_000_000 });
          await sleep(LONG_OUTAGE_MS);
          google.clearInjections();
          const served = openai.requests.filter(
            (request) => request.path === OPENAI_IMAGES_PATH && request.at.getTime() >= since,
          ).length;
          return `${served} call(s) served by the second provider`;
        },
      },
    ],
    kill: [
      {
        name: 'kill',
        fault: `a worker SIGKILLed and restarted ${KILLS} times (alternating)`,
        inject: async () => {
          const restartMs: number[] = [];
          for (let round = 0; round < KILLS; round += 1) {
            await sleep(1_000 + Math.floor(Math.random() * 2_000));
            const started = Date.now();
            await deployment.restart(WORKERS[round % WORKERS.length] ?? 'worker-1');
            restartMs.push(Date.now() - started);
          }
          return `restart took ${formatMs(Math.min(...restartMs))}-${formatMs(Math.max(...restartMs))}`;
        },
      },
    ],
    provider: [
      ...([500, 429] as const).map((status) => ({
        name: `provider ${status}`,
        fault: `the provider answers ${status} to 6 calls`,
        inject: async () => {
          const since = Date.now();
          google.failNext(GENERATE_PATH, { status, times: 6 });
          const isServed = await waitFor(() => providerRequestsSince(google, since) >= 6, 60_000);
          return isServed ? '' : 'fewer than 6 calls came within 60 s';
        },
      })),
      {
        name: 'provider hang',
        fault: `the provider never answers 2 calls (of ${PROVIDER_LIMIT} at once)`,
        inject: async () => {
          const since = Date.now();
          google.hangNext(GENERATE_PATH, { times: 2 });
          const isServed = await waitFor(() => providerRequestsSince(google, since) >= 2, 60_000);
          return isServed ? 'held until the job deadline' : 'fewer than 2 calls came within 60 s';
        },
      },
    ],
  };
}

/** /readyz answers 200 and a fresh user's /imagine gets its picture; both timed from the fault's end. */
async function probeRecovery(
  context: Context,
  userId: number,
  since: number,
): Promise<{ readyMs: number | undefined; pictureMs: number | undefined; problems: string[] }> {
  const problems: string[] = [];
  let readyMs: number | undefined;
  await waitFor(async () => {
    const status = await fetch(`${context.deployment.webUrl}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) readyMs = Date.now() - since;
    return status === 200;
  }, 60_000);
  if (readyMs === undefined) problems.push('/readyz did not answer 200 within 60 s');
  else if (readyMs > RECOVERY_LIMIT_MS) problems.push(`/readyz answered 200 only after ${formatMs(readyMs)}`);
  const sentAt = sendImagine(context.telegram, userId, 'a recovery probe: a red kite in the sky');
  const outcome = await context.watcher.waitForOutcome(userId, sentAt, 60_000);
  const pictureMs = outcome?.kind === 'picture' ? outcome.at - since : undefined;
  if (!outcome) problems.push('a new /imagine got no answer within 60 s');
  else if (outcome.kind !== 'picture')
    problems.push(`a new /imagine was answered without a picture: "${String(outcome.call.params.text).slice(0, 80)}"`);
  else if ((pictureMs ?? 0) > RECOVERY_LIMIT_MS)
    problems.push(`a new /imagine got its picture only ${formatMs(pictureMs ?? 0)} after the fault ended`);
  return { readyMs, pictureMs, problems };
}

/** Waits until no generation is open and every final message went out, or until that should have happened. */
async function settle(context: Context): Promise<void> {
  const openDeadline = async () => {
    const row = await context.operator.prisma.generation
      .aggregate({ where: { status: { in: ['queued', 'running', 'uploading'] } }, _max: { deadlineAt: true } })
      .catch(() => undefined);
    return row?._max.deadlineAt?.getTime() ?? Date.now();
  };
  // A final message whose sender was killed waits for its lease, then for a sweep.
  const bound = Math.max(await openDeadline(), Date.now()) + SWEEP_MS + DELIVERY_LEASE_MS + SWEEP_MS + 15_000;
  await waitUntilSettled(context.operator.prisma, bound - Date.now());
}

async function runPhase(
  context: Context,
  spec: PhaseSpec,
  probeUser: number,
  reported: Set<string>,
): Promise<PhaseResult> {
  log(`${spec.name}: load on, then ${spec.fault}…`);
  const startedAt = new Date();
  const load = startClosedLoop(context.telegram, context.watcher, {
    userIds: LOAD_USERS,
    thinkMs: 3_200,
    answerTimeoutMs: JOB_TIMEOUT_SECONDS * 1000 + SWEEP_MS + 30_000,
  });
  await sleep(WARMUP_MS);
  const note = await spec.inject();
  const faultEndedAt = Date.now();
  const recovery = await probeRecovery(context, probeUser, faultEndedAt);
  log(
    `${spec.name}: fault over; /readyz after ${formatMs(recovery.readyMs ?? Number.NaN)}, picture after ${formatMs(recovery.pictureMs ?? Number.NaN)}; stopping the load…`,
  );
  await sleep(2_000);
  const tally = await load.stop();
  await settle(context);
  const audit = await auditGenerations(context.operator.prisma, {
    now: new Date(),
    isSettled: true,
    telegram: context.telegram,
    since: startedAt,
  });
  // The ledger checks cover every phase so far; a phase reports only what earlier ones did not.
  const fresh = audit.problems.filter((problem) => !reported.has(problem));
  for (const problem of fresh) reported.add(problem);
  const silences = await Promise.all(tally.silences.map((silence) => describeSilence(context, silence)));
  const problems = [...recovery.problems, ...fresh, ...silences];
  const loss = judgeLoss(spec.name, tally);
  log(
    `${spec.name}: ${tally.requests} requests, ${tally.pictures} pictures, ${tally.ended} ended without, ${tally.unanswered} unanswered; ${problems.length === 0 ? 'all checks hold' : `${problems.length} problem(s)`}; loss ${formatLoss(loss)}`,
  );
  return {
    name: spec.name,
    fault: spec.fault,
    note,
    tally,
    loss,
    readyMs: recovery.readyMs,
    pictureMs: recovery.pictureMs,
    byStatus: audit.byStatus,
    resent: audit.resent,
    problems,
  };
}

/**
 * The requests of the load that ended without a picture, by cause: the ending message's key
 * (`errors.temporarily_unavailable`, `job.timed_out`, `errors.internal`…) or "no answer". Any
 * is a miss, except the endings {@link ALLOWED_ENDINGS} allows the phase.
 */
function judgeLoss(phase: string, tally: LoadTally): Loss {
  const causes: Record<string, number> = { ...tally.endingKeys };
  if (tally.unanswered > 0) causes['no answer'] = tally.unanswered;
  const allowed = ALLOWED_ENDINGS[phase] ?? [];
  const total = Object.values(causes).reduce((sum, count) => sum + count, 0);
  return { causes, total, missed: Object.keys(causes).some((cause) => !allowed.includes(cause)) };
}

function formatLoss(loss: Loss): string {
  const causes = Object.entries(loss.causes)
    .map(([cause, count]) => `${count} ${cause}`)
    .join(', ');
  return `${loss.total}${causes ? ` (${causes})` : ''}${loss.missed ? ' MISSED' : ''}`;
}

/** Why a request got no answer, as far as the database and the chat tell. */
async function describeSilence(context: Context, silence: { userId: number; sentAt: Date }): Promise<string> {
  const generation = await context.operator.prisma.generation.findFirst({
    where: {
      delivery: { path: ['chatId'], equals: String(silence.userId) },
      createdAt: { gte: new Date(silence.sentAt.getTime() - 1_000) },
    },
    orderBy: { createdAt: 'asc' },
  });
  const calls = context.watcher
    .callsTo(silence.userId)
    .filter((call) => call.at >= silence.sentAt.getTime())
    .slice(0, 6);
  const shown =
    calls
      .map((call) => `${call.method} ${call.status}${textOf(call) ? ` "${(textOf(call) ?? '').slice(0, 40)}"` : ''}`)
      .join(', ') || 'nothing';
  const job = generation
    ? `generation ${generation.id} ended ${generation.status}${generation.errorCode ? ` (${generation.errorCode})` : ''} after ${generation.attempts} attempt(s)`
    : 'no generation was admitted';
  return `user ${silence.userId} got no answer to /imagine sent at ${silence.sentAt.toISOString()}: ${job}; the chat was shown: ${shown}`;
}

function render(results: readonly PhaseResult[], tookMs: number, started: Date, machine: string): string {
  const rows = results.map((result) => [
    result.name,
    result.fault + (result.note ? ` (${result.note})` : ''),
    `${result.tally.requests} / ${result.tally.pictures} / ${result.tally.ended} / ${result.tally.unanswered}`,
    formatLoss(result.loss),
    `${result.byStatus.succeeded ?? 0} / ${Object.entries(result.byStatus)
      .filter(([status]) => status !== 'succeeded')
      .reduce((sum, [, count]) => sum + count, 0)}`,
    String(result.resent),
    formatMs(result.readyMs ?? Number.NaN),
    formatMs(result.pictureMs ?? Number.NaN),
    result.problems.length === 0 ? 'ok' : `${result.problems.length} VIOLATION(S)`,
  ]);
  const table = markdownTable(
    [
      'phase',
      'fault',
      'requests / pictures / ended / unanswered',
      'requests that ended without a picture, by cause',
      'jobs succeeded / refunded',
      'results sent twice (sender killed mid-send)',
      '/readyz 200 after',
      'new picture after',
      'checks',
    ],
    rows,
  );
  const details = results.flatMap((result) =>
    result.problems.slice(0, 20).map((problem) => `- ${result.name}: ${problem}`),
  );
  const misses = results
    .filter((result) => result.loss.missed)
    .map((result) => `- ${result.name}: ${formatLoss(result.loss)}`);
  const endings = results.map(
    (result) =>
      `- ${result.name}: ${
        Object.entries(result.tally.endings)
          .map(([text, count]) => `${count} × "${text}"`)
          .join('; ') || 'none'
      }`,
  );
  return [
    '# Fault injection results',
    '',
    `Run ${started.toISOString()} on ${machine}; took ${formatMs(tookMs)}. \`npm run fault${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``,
    '',
    `Deployment: main.ts as web, telegram and two worker processes on a PostgreSQL cluster and a redis-server of the script's own; the fake Bot API; the fake Gemini API as the provider (${formatMs(PROVIDER_LATENCY_MS)} per call, ${PROVIDER_LIMIT} at once); IMAGE_JOB_TIMEOUT_SECONDS=${JOB_TIMEOUT_SECONDS}${
      Object.keys(EXTRA_ENV).length > 0
        ? `; ${Object.entries(EXTRA_ENV)
            .map(([key, value]) => `${key}=${value}`)
            .join(', ')}`
        : ''
    }. Load: ${LOAD_USERS.length} Telegram users in a closed loop (/imagine, wait for the end, 3.2 s pause).`,
    '',
    table,
    '',
    details.length === 0 ? 'Every check held after every phase.' : `Violations:\n\n${details.join('\n')}`,
    '',
    misses.length === 0
      ? 'No request of the load ended without a picture beyond what its phase allows (only the provider hang may refund, at the job deadline).'
      : `MISSED (requests that ended without a picture where none may):\n\n${misses.join('\n')}`,
    '',
    `Requests of the load that ended without a picture, by what the user read:\n\n${endings.join('\n')}`,
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const started = new Date();
  const machine = describeMachine();
  const context = await setUp();
  const specs = selected.flatMap((name) => phasesOf(context)[name]);
  const reported = new Set<string>();
  const results: PhaseResult[] = [];
  for (const [index, spec] of specs.entries()) {
    if (index > 0 || spec.env) await restartDeployment(context, spec.env);
    results.push(await runPhase(context, spec, PROBE_USERS[index] ?? 0, reported));
  }
  const text = render(results, Date.now() - started.getTime(), started, machine);
  process.stdout.write(`\n${text}\n`);
  log(`written to ${await writeResults('bench/fault-results.md', text)}`);
  return results.some((result) => result.problems.length > 0 || result.loss.missed) ? 1 : 0;
}

const watchdog = setTimeout(() => {
  log(`still running after ${formatMs(SCRIPT_LIMIT_MS)}; giving up`);
  void cleanUp().finally(() => process.exit(3));
}, SCRIPT_LIMIT_MS);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}
let exitCode = 2;
try {
  exitCode = await main();
} catch (error) {
  log(`fault script failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  clearTimeout(watchdog);
  await cleanUp();
}
process.exit(exitCode);
