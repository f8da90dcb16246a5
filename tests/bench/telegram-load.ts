/**
 * The Telegram load scenario of the bench: many simulated users send `/imagine` over the fake Bot
 * API to a deployment of main.ts processes (the Telegram bot and two workers, demo provider with a
 * fixed latency), on a database and a redis-server of its own. Measures, per user, the time from
 * the update to the status reply ("Queued…") and to the picture; the throughput; RSS and CPU of
 * each process. Checks the ledger and that every charged job delivered one picture. Writes its
 * section of bench/results.md (between markers, so other sections stay).
 *
 * `tsx tests/bench/telegram-load.ts [--users 1000] [--rate 20] [--latency-ms 1000] [--limit 16]
 * [--worker-concurrency 16] [--flood] [--sd-servers 16 --sd-ms 2000]` (`--flood`: the fake enforces
 * Telegram's flood limits; `--sd-servers`: jobs on fake AUTOMATIC1111 servers that report progress,
 * edits counted like messages, the progress edits judged).
 * From another script: `await runTelegramLoad(options)`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { applyMigrations } from '#prisma/migrate/index';
import { startFakeTelegram } from '#tests/fakes/telegram-bot-api';
import { FakeSdApi } from '#tests/fakes/sdapi-api';
import { measureProgressEdits, type ProgressEditFigures } from '#tests/bench/progress-edits';
import { ChatWatcher, onboardUsers, openConsole, outcomeOf, sendImagine } from '#tests/ops/scale-out/chat-users';
import { Deployment } from '#tests/ops/scale-out/deployment';
import { auditGenerations, waitUntilSettled } from '#tests/ops/scale-out/generation-audit';
import { startOwnRedis } from '#tests/ops/scale-out/own-redis';
import {
  describeMachine,
  formatMiB,
  formatMs,
  markdownTable,
  percentile,
  writeResultsSection,
} from '#tests/bench/report';
import type { Usage } from '#tests/ops/scale-out/service-process';
import { postgresUrlFor, runAdminSql } from '#tests/support/postgres-admin';

/** The share of Bot API calls that may meet a 429 before the run counts as ignoring Telegram's limits. */
const MAX_FLOOD_SHARE = 0.01;

/** What {@link runTelegramLoad} takes; every field has a default. */
export type TelegramLoadOptions = {
  users: number;
  /** `/imagine` updates per second, spread evenly. */
  rate: number;
  /** DEMO_PROVIDER_LATENCY_MS. */
  latencyMs: number;
  /** Demo provider calls at once across the workers (PROVIDER_LIMITS). */
  limit: number;
  workerConcurrency: number;
  /** Let the fake Bot API enforce Telegram's flood limits (30 messages/s per bot, 1/s per chat). */
  flood: boolean;
  /** Longest wait for the last answer after the last update. */
  drainTimeoutMs: number;
  /**
   * Run the jobs on fake AUTOMATIC1111 servers that report progress (SDAPI_URLS) instead of the
   * demo provider, and let the fake count edits against the flood limits: the progress row.
   */
  sd?: { servers: number; msPerImage: number } | undefined;
};

export const TELEGRAM_LOAD_DEFAULTS: TelegramLoadOptions = {
  users: 1000,
  rate: 20,
  latencyMs: 1000,
  limit: 16,
  workerConcurrency: 16,
  flood: false,
  drainTimeoutMs: 240_000,
};

/** What one run measured (its Markdown section, also written to `file`); `problems` is empty when every check held. */
export type TelegramLoadResult = {
  markdown: string;
  problems: string[];
  file: string;
  /** The status edits seen (with `sd`: progress from the servers). */
  progress: ProgressEditFigures;
};

const BOT_TOKEN = '7000000003:AABenchTelegramLoadFakeToken1';
const FIRST_USER = 830_000_001;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

/**
 * Runs the scenario once and writes its section of bench/results.md. Makes and drops a database
 * on the local PostgreSQL (127.0.0.1:5432) and runs a redis-server of its own.
 */
export async function runTelegramLoad(overrides: Partial<TelegramLoadOptions> = {}): Promise<TelegramLoadResult> {
  const measured = await measureTelegramLoad({ ...TELEGRAM_LOAD_DEFAULTS, ...overrides });
  const section = overrides.sd ? 'telegram-progress' : 'telegram-load';
  return { ...measured, file: await writeResultsSection(section, measured.markdown) };
}

async function measureTelegramLoad(options: TelegramLoadOptions): Promise<Omit<TelegramLoadResult, 'file'>> {
  const machine = describeMachine();
  const startedAt = new Date();
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const name = `imagine_bench_tg_${randomBytes(5).toString('hex')}`;
    await runAdminSql(`CREATE DATABASE "${name}"`);
    cleanups.push(() => runAdminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    const databaseUrl = postgresUrlFor(name);
    await applyMigrations({ kind: 'postgres', url: databaseUrl });
    const redis = await startOwnRedis();
    cleanups.push(() => redis.stop());
    const telegram = await startFakeTelegram(
      options.flood
        ? {
            floodLimit: options.sd
              ? { perChatPerSecond: 1, globalPerSecond: 30, perGroupPerMinute: 20, countEdits: true }
              : true,
          }
        : {},
    );
    cleanups.push(() => telegram.close());
    const sdServers = options.sd
      ? await Promise.all(
          Array.from({ length: options.sd.servers }, () =>
            FakeSdApi.start({ msPerImage: options.sd?.msPerImage ?? 0 }),
          ),
        )
      : [];
    cleanups.push(() => Promise.all(sdServers.map((server) => server.close())));
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-bench-tg-'));
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));

    const users = Array.from({ length: options.users }, (_, index) => FIRST_USER + index);
    const operator = await openConsole({ databaseUrl, dataDir });
    cleanups.push(() => operator.close());
    const onboardingStarted = Date.now();
    await onboardUsers(operator.core, users, 24);
    log(`onboarded ${users.length} users in ${formatMs(Date.now() - onboardingStarted)}`);

    const deployment = await Deployment.create({
      databaseUrl,
      redisUrl: redis.url,
      dataDir,
      telegramApiRoot: telegram.apiRoot,
      botToken: BOT_TOKEN,
      env: {
        DEMO_PROVIDER_LATENCY_MS: String(options.latencyMs),
        PROVIDER_LIMITS: JSON.stringify({ demo: { maxConcurrent: options.limit } }),
        WORKER_CONCURRENCY: String(options.workerConcurrency),
        ...(sdServers.length > 0 ? { SDAPI_URLS: sdServers.map((server) => server.url).join(',') } : {}),
      },
    });
    cleanups.push(async () => {
      await deployment.stopAll().catch(() => undefined);
      await Promise.all(deployment.processes().map((service) => service.kill()));
    });
    await Promise.all([
      deployment.start('telegram', ['telegram']),
      deployment.start('worker-1', ['worker']),
      deployment.start('worker-2', ['worker']),
    ]);
    const idle = await usageByProcess(deployment);

    log(`sending ${users.length} /imagine at ${options.rate}/s…`);
    const watcher = new ChatWatcher(telegram);
    const sentAt = new Map<number, number>();
    const peaks = new Map<string, number>();
    const sampler = setInterval(() => {
      void usageByProcess(deployment).then((usage) => {
        for (const [process, reading] of usage) peaks.set(process, Math.max(peaks.get(process) ?? 0, reading.rssBytes));
      });
    }, 1_000);
    cleanups.push(async () => clearInterval(sampler));
    const firstSent = Date.now();
    for (const [index, userId] of users.entries()) {
      const due = firstSent + (index * 1000) / options.rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      sentAt.set(userId, sendImagine(telegram, userId, `a lighthouse on a cliff at dawn, number ${index + 1}`));
    }
    const lastSent = Date.now();
    log(`all sent in ${formatMs(lastSent - firstSent)}; waiting for the answers…`);
    const isAnswered = (userId: number) =>
      watcher.firstCall(userId, sentAt.get(userId) ?? 0, (call) => outcomeOf(call) !== undefined) !== undefined;
    const drainDeadline = Date.now() + options.drainTimeoutMs;
    while (!users.every(isAnswered) && Date.now() < drainDeadline)
      await new Promise((resolve) => setTimeout(resolve, 250));
    const finishedAt = Date.now();
    clearInterval(sampler);
    const loaded = await usageByProcess(deployment);

    const statusMs: number[] = [];
    const pictureMs: number[] = [];
    let ended = 0;
    const endedKeys = new Map<string, number>();
    let silent = 0;
    let lastPictureAt = firstSent;
    for (const userId of users) {
      const since = sentAt.get(userId) ?? 0;
      const status = watcher.firstCall(userId, since, (call) => call.method === 'sendMessage' && call.status === 200);
      if (status) statusMs.push(status.at - since);
      const end = watcher.firstCall(userId, since, (call) => outcomeOf(call) !== undefined);
      if (!end) silent += 1;
      else if (outcomeOf(end)?.kind === 'picture') {
        pictureMs.push(end.at - since);
        lastPictureAt = Math.max(lastPictureAt, end.at);
      } else {
        ended += 1;
        const key = outcomeOf(end)?.key ?? 'unknown';
        endedKeys.set(key, (endedKeys.get(key) ?? 0) + 1);
      }
    }
    // Final messages Telegram refused are sent again by the workers' sweep (up to a few minutes).
    const open = await waitUntilSettled(operator.prisma, 180_000);
    const audit = await auditGenerations(operator.prisma, { now: new Date(), isSettled: open === 0, telegram });
    const problems = [
      ...audit.problems,
      ...(silent > 0
        ? [`${silent} user(s) got no answer within ${formatMs(options.drainTimeoutMs)} of the last update`]
        : []),
      ...(ended > 0 ? [`${ended} user(s) got no picture (an error or a refund)`] : []),
      // Telegram expects an occasional 429 and its retry (auto-retry waits it out); many mean the
      // deployment ignores the limits.
      ...(telegram.tooManyRequests > telegram.calls.length * MAX_FLOOD_SHARE
        ? [
            `the fake Bot API answered 429 (flood control) ${telegram.tooManyRequests} times, over ${MAX_FLOOD_SHARE * 100}% of ${telegram.calls.length} calls`,
          ]
        : []),
    ];

    const endings = await operator.prisma.generation.groupBy({
      by: ['status', 'errorCode'],
      where: { status: { not: 'succeeded' } },
      _count: { _all: true },
    });
    const endedBy =
      endings.map((row) => `${row.status}${row.errorCode ? ` ${row.errorCode}` : ''} ${row._count._all}`).join(', ') ||
      'none';
    const progress = measureProgressEdits(telegram.calls);
    if (options.sd) {
      if (progress.editsRefused > 0 || progress.refusedAfterEdit > 0)
        problems.push(
          `progress edits met flood control: ${progress.editsRefused} progress edit(s) refused, ${progress.refusedAfterEdit} call(s) refused right after a progress edit in their chat`,
        );
      if (progress.maxProgressEditsPerWindow > 1)
        problems.push(`a chat got ${progress.maxProgressEditsPerWindow} progress edits within 3 s (at most 1)`);
      if (progress.progressEdits === 0) problems.push('no progress edit was made: nothing was measured');
    }
    const spanMs = lastPictureAt - firstSent;
    const processRows = [...loaded.keys()].map((process) => {
      const before = idle.get(process);
      const after = loaded.get(process);
      return [
        process,
        formatMiB(before?.rssBytes),
        formatMiB(peaks.get(process)),
        formatMiB(after?.peakRssBytes),
        after && before ? `${(after.cpuSeconds - before.cpuSeconds).toFixed(1)} s` : '-',
      ];
    });
    const markdown = [
      '## Telegram load (`tests/bench/telegram-load.ts`)',
      '',
      `Run ${startedAt.toISOString()} on ${machine}.`,
      '',
      `${options.users} onboarded Telegram users each send one \`/imagine\` through the fake Bot API, ${options.rate} per second, to main.ts processes: \`ROLES=telegram\` (polling) and two \`ROLES=worker\` (WORKER_CONCURRENCY=${options.workerConcurrency}), ${options.sd ? `${options.sd.servers} fake AUTOMATIC1111 servers at ${options.sd.msPerImage} ms per picture reporting their progress (SDAPI_URLS), edits counted by the fake like messages` : `demo provider at ${options.latencyMs} ms per call and ${options.limit} calls at once (PROVIDER_LIMITS)`}, PostgreSQL on this machine, a redis-server of its own${options.flood ? ", the fake enforcing Telegram's flood limits (30 messages/s per bot, 1/s per chat)" : ", no flood limits in the fake (each process still throttles itself to Telegram's 30 messages/s)"}.`,
      '',
      markdownTable(
        ['measure', 'value'],
        [
          ['updates sent', `${users.length} in ${formatMs(lastSent - firstSent)}`],
          [
            'pictures delivered',
            `${pictureMs.length} (${ended} ended without a picture${ended > 0 ? `: ${[...endedKeys].map(([key, count]) => `${key} ${count}`).join(', ')}` : ''}, ${silent} unanswered)`,
          ],
          ['jobs not succeeded', endedBy],
          [
            'throughput',
            `${((pictureMs.length / Math.max(1, spanMs)) * 1000).toFixed(1)} pictures/s (first update to last picture: ${formatMs(spanMs)})`,
          ],
          [
            'update → status reply',
            `p50 ${formatMs(percentile(statusMs, 50))}, p99 ${formatMs(percentile(statusMs, 99))}, max ${formatMs(Math.max(...statusMs))}`,
          ],
          [
            'update → picture',
            `p50 ${formatMs(percentile(pictureMs, 50))}, p99 ${formatMs(percentile(pictureMs, 99))}, max ${formatMs(Math.max(...pictureMs))}`,
          ],
          [
            'provider ceiling',
            `${((options.limit * 1000) / options.latencyMs).toFixed(0)} calls/s (${options.limit} at once × ${options.latencyMs} ms)`,
          ],
          ['Bot API calls', `${telegram.calls.length} (${telegram.tooManyRequests} answered 429 and were retried)`],
          [
            'status edits',
            `${progress.edits} (${progress.progressEdits} progress); per chat within 3 s: progress max ${progress.maxProgressEditsPerWindow}, all status edits max ${progress.maxEditsPerWindow}; 429 on progress edits ${progress.editsRefused} (${progress.editsRefusedOverall} of them at the overall limit; on state-change edits ${progress.stateEditsRefused}), 429 right after a progress edit ${progress.refusedAfterEdit}; all 429s: ${progress.refusedByMethod}`,
          ],
          [
            'checks',
            problems.length === 0
              ? 'ledger invariants hold, one reserve and one capture per job, one picture per charged job'
              : problems.slice(0, 5).join('; '),
          ],
        ],
      ),
      '',
      markdownTable(
        ['process', 'RSS idle', 'RSS peak (sampled 1/s)', 'RSS high-water mark', 'CPU during the load'],
        processRows,
      ),
      '',
      `Took ${formatMs(finishedAt - startedAt.getTime())} in all.`,
    ].join('\n');
    return { markdown, problems, progress };
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  }
}

async function usageByProcess(deployment: Deployment): Promise<Map<string, Usage>> {
  const entries = await Promise.all(
    deployment.processes().map(async (service) => [service.name, await service.usage()] as const),
  );
  return new Map(entries.flatMap(([name, usage]) => (usage ? [[name, usage] as const] : [])));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' },
      rate: { type: 'string' },
      'latency-ms': { type: 'string' },
      limit: { type: 'string' },
      'worker-concurrency': { type: 'string' },
      flood: { type: 'boolean', default: false },
      'sd-servers': { type: 'string' },
      'sd-ms': { type: 'string' },
    },
  });
  const number = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
  const result = await runTelegramLoad({
    users: number(values.users, TELEGRAM_LOAD_DEFAULTS.users),
    rate: number(values.rate, TELEGRAM_LOAD_DEFAULTS.rate),
    latencyMs: number(values['latency-ms'], TELEGRAM_LOAD_DEFAULTS.latencyMs),
    limit: number(values.limit, TELEGRAM_LOAD_DEFAULTS.limit),
    workerConcurrency: number(values['worker-concurrency'], TELEGRAM_LOAD_DEFAULTS.workerConcurrency),
    flood: values.flood,
    ...(values['sd-servers'] === undefined
      ? {}
      : { sd: { servers: Number(values['sd-servers']), msPerImage: number(values['sd-ms'], 2_000) } }),
  });
  process.stdout.write(`\n${result.markdown}\n`);
  log(`written to ${result.file}`);
  process.exit(result.problems.length === 0 ? 0 : 1);
}
