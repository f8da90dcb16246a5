/**
 * The lean bench (`npm run bench -- --only lean`): the compiled product (`npm run build`, `node
 * dist/main.js`) side by side with bare baselines (tests/bench/baselines/*.mjs) run with the same
 * node flags, on the same fake Telegram Bot API, the same PostgreSQL database, the same updates
 * from distinct users, alternating A B A B, judged on medians and ratios measured at the same
 * moment (the machine is shared, so absolute times are noisy; CPU time and RSS are not):
 *
 * - CPU per update of the `telegram` role for `/balance`, `/help` and `/imagine` at 20 updates/s,
 *   against a bare grammY bot doing one Prisma query per update (≤ 1.5×);
 * - peak RSS of each role process (`web`, `worker`, `telegram`, `discord`) on PostgreSQL + Redis
 *   after the load, against the bare bot's peak (≤ 1.2×);
 * - spawn to `/healthz` 200 of `ROLES=web` against a bare Express app that opens the same Prisma
 *   client (≤ 1.5×);
 * - the embedded start (PGlite, every role, migrations on a fresh DATA_DIR): first start ≤ 5 s,
 *   peak RSS ≤ 450 MiB.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFakeDiscord, type FakeDiscord } from '#tests/fakes/discord-api';
import { startFakeTelegram, type FakeTelegram } from '#tests/fakes/telegram-bot-api';
import { startOwnRedis } from '#tests/ops/scale-out/own-redis';
import { freePort } from '#tests/support/free-port';
import { createBenchDatabase, seedOnboardedUsers } from '#tests/bench/bench-database';
import { LeanProcess, timeToHealthy } from '#tests/bench/lean-process';
import { describeMachine, formatMiB, markdownTable } from '#tests/bench/report';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PRODUCT = ['dist/main.js'];
const BARE_BOT = ['tests/bench/baselines/bare-grammy-prisma.mjs'];
const BARE_WEB = ['tests/bench/baselines/bare-express-prisma.mjs'];
const PRODUCT_TOKEN = '7000000011:AALeanBenchProductToken000001';
const BARE_TOKEN = '7000000012:AALeanBenchBareBotToken000001';
const DISCORD_TOKEN = 'lean-bench-discord-token';
const FIRST_USER = 840_000_001;
const COMMANDS = ['balance', 'help', 'imagine'] as const;
const MiB = 1024 ** 2;
/** Updates each bot gets before measuring (one per command from users of their own), so first-use costs (Prisma's query compiler, JIT) are not counted. */
const WARM_UP_UPDATES = 30;
/** Embedded first starts, each on a fresh DATA_DIR; judged on their median. */
const EMBEDDED_ROUNDS = 3;

/** The issue's targets. */
export const LEAN_TARGETS = {
  cpuRatio: 1.5,
  rssRatio: 1.2,
  embeddedPeakMiB: 450,
  startRatio: 1.5,
  embeddedFirstStartMs: 5_000,
};

/** What {@link runLeanBench} takes. */
export type LeanOptions = {
  /** Updates sent to each bot (the product and the bare one), one per distinct user, split over the three commands. */
  updates: number;
  /** Updates per second. */
  rate: number;
  /** Updates per A or B turn; CPU per update is the median over turns. */
  block: number;
  /** A B rounds of the start-up measure. */
  startRounds: number;
};

export const LEAN_DEFAULTS: LeanOptions = { updates: 2_000, rate: 20, block: 100, startRounds: 5 };

/** One judged line: what was measured on the product and the baseline, the ratio or limit, and whether it held. */
export type LeanRow = {
  what: string;
  ops: string;
  product: string;
  baseline: string;
  ratio: string;
  target: string;
  isMet: boolean;
  note: string;
};

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} lean: ${message}\n`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Compiles the product to dist/ (`npm run build`, type checking skipped: `npm test` does it). */
function buildProduct(): void {
  const built = spawnSync(process.execPath, ['.config/build.mjs', '--no-check'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}

/**
 * Sends `/<command>` from each of `users` at `rate` per second to `telegram`, waits until each got a
 * message, then a little more so the work an update causes is done; returns the CPU used per update (ms).
 */
async function cpuPerUpdate(
  target: LeanProcess,
  telegram: FakeTelegram,
  command: string,
  users: readonly number[],
  rate: number,
): Promise<number> {
  const waiting = new Set(users);
  let seen = telegram.calls.length;
  const before = await target.cpuNs();
  const started = performance.now();
  for (const [index, userId] of users.entries()) {
    const due = started + (index * 1000) / rate;
    if (due > performance.now()) await sleep(due - performance.now());
    telegram.pushUpdate(
      telegram.messageUpdate({
        chatId: userId,
        fromId: userId,
        text: command === 'imagine' ? `/imagine a lighthouse at dawn, ${userId}` : `/${command}`,
      }),
    );
  }
  const deadline = performance.now() + 60_000;
  while (waiting.size > 0) {
    for (; seen < telegram.calls.length; seen += 1) {
      const call = telegram.calls[seen];
      if (call?.method === 'sendMessage' && call.status === 200) waiting.delete(Number(call.params.chat_id));
    }
    if (performance.now() > deadline)
      throw new Error(`${target.name}: ${waiting.size} of ${users.length} /${command} unanswered after 60 s`);
    await sleep(20);
  }
  await sleep(300);
  return ((await target.cpuNs()) - before) / users.length / 1e6;
}

/** Sends `count` requests of `GET path` with `concurrency` at once. */
async function loadWeb(url: string, count: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const response = await fetch(url);
        await response.arrayBuffer();
      }
    }),
  );
}

/** Sends `/help` from `count` distinct Discord users at `rate` per second and waits for every acknowledgement. */
async function loadDiscord(discord: FakeDiscord, count: number, rate: number): Promise<void> {
  const started = performance.now();
  const acknowledged = () =>
    discord.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/callback')).length;
  const before = acknowledged();
  for (let index = 0; index < count; index += 1) {
    const due = started + (index * 1000) / rate;
    if (due > performance.now()) await sleep(due - performance.now());
    discord.sendInteraction(
      discord.chatInputInteraction({ name: 'help', userId: String(500_000_000_000_000_000n + BigInt(index)) }),
    );
  }
  const deadline = performance.now() + 60_000;
  while (acknowledged() - before < count && performance.now() < deadline) await sleep(100);
}

/** Runs the lean bench once; returns its rows (judged) and its Markdown section. */
export async function runLeanBench(
  overrides: Partial<LeanOptions> = {},
): Promise<{ rows: LeanRow[]; markdown: string }> {
  const options = { ...LEAN_DEFAULTS, ...overrides };
  const machine = describeMachine();
  const startedAt = new Date();
  const rows: LeanRow[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const processes: LeanProcess[] = [];
  const spawn = (name: string, argv: readonly string[], env: Record<string, string>) => {
    const started = new LeanProcess(name, argv, env);
    processes.push(started);
    return started;
  };
  try {
    log('building the product (dist/)…');
    buildProduct();
    log(`creating a database with ${options.updates} onboarded users…`);
    const database = await createBenchDatabase();
    cleanups.push(() => database.drop());
    await seedOnboardedUsers(database.url, {
      count: options.updates + WARM_UP_UPDATES,
      credits: 10,
      firstSubject: FIRST_USER,
    });
    const redis = await startOwnRedis();
    cleanups.push(() => redis.stop());
    const productTelegram = await startFakeTelegram();
    const bareTelegram = await startFakeTelegram();
    const discord = await startFakeDiscord({ token: DISCORD_TOKEN });
    cleanups.push(
      () => productTelegram.close(),
      () => bareTelegram.close(),
      () => discord.close(),
    );
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-lean-'));
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    const webPort = await freePort();
    const base = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
    };
    const productEnv = (roles: string, extra: Record<string, string> = {}): Record<string, string> => ({
      ...base,
      SESSION_SECRET: 'lean-bench-session-secret-0123456789abcdef',
      METRICS_TOKEN: 'lean-bench-metrics-token',
      PUBLIC_URL: `http://127.0.0.1:${webPort}`,
      PORT: String(webPort),
      LOG_LEVEL: 'info',
      ROLES: roles,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      DATA_DIR: dataDir,
      AUTO_MIGRATE: 'false',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
      TELEGRAM_BOT_TOKEN: PRODUCT_TOKEN,
      TELEGRAM_API_ROOT: productTelegram.apiRoot,
      DISCORD_TOKEN,
      DISCORD_APPLICATION_ID: discord.application.id,
      DISCORD_API_URL: discord.restUrl,
      DEMO_PROVIDER_LATENCY_MS: '200',
      ...extra,
    });

    // Every role of the deployment in its own process, and the bare bot.
    const roles = ['web', 'worker', 'telegram', 'discord'] as const;
    const product = Object.fromEntries(roles.map((role) => [role, spawn(role, PRODUCT, productEnv(role))])) as Record<
      (typeof roles)[number],
      LeanProcess
    >;
    const bare = spawn('bare bot', BARE_BOT, {
      ...base,
      BOT_TOKEN: BARE_TOKEN,
      TELEGRAM_API_ROOT: bareTelegram.apiRoot,
      DATABASE_URL: database.url,
    });
    await Promise.all(processes.map((started) => started.waitUntilReady()));
    log('every role and the bare bot are ready');

    const warmUpFirst = FIRST_USER + options.updates;
    for (const [index, command] of COMMANDS.entries()) {
      const users = Array.from(
        { length: WARM_UP_UPDATES / COMMANDS.length },
        (_, offset) => warmUpFirst + index * (WARM_UP_UPDATES / COMMANDS.length) + offset,
      );
      await cpuPerUpdate(product.telegram, productTelegram, command, users, options.rate);
      await cpuPerUpdate(bare, bareTelegram, command, users, options.rate);
    }

    // CPU per update, A B A B: each turn sends the same users' updates to one bot, then the other.
    const perCommand = Math.floor(options.updates / COMMANDS.length);
    const turns = Math.max(1, Math.floor(perCommand / options.block));
    const discordLoad = loadDiscord(discord, options.updates, options.rate);
    const webLoad = loadWeb(`http://127.0.0.1:${webPort}/`, options.updates, 2);
    for (const [commandIndex, command] of COMMANDS.entries()) {
      const productCpu: number[] = [];
      const bareCpu: number[] = [];
      for (let turn = 0; turn < turns; turn += 1) {
        const first = FIRST_USER + commandIndex * perCommand + turn * options.block;
        const users = Array.from({ length: options.block }, (_, index) => first + index);
        productCpu.push(await cpuPerUpdate(product.telegram, productTelegram, command, users, options.rate));
        bareCpu.push(await cpuPerUpdate(bare, bareTelegram, command, users, options.rate));
        log(
          `/${command} turn ${turn + 1}/${turns}: product ${productCpu.at(-1)?.toFixed(2)} ms, bare ${bareCpu.at(-1)?.toFixed(2)} ms per update`,
        );
      }
      const ratio = median(productCpu) / median(bareCpu);
      rows.push({
        what: `CPU per update, /${command}`,
        ops: `${turns * options.block} + ${turns * options.block}`,
        product: `${median(productCpu).toFixed(2)} ms`,
        baseline: `${median(bareCpu).toFixed(2)} ms`,
        ratio: `${ratio.toFixed(2)}×`,
        target: `≤ ${LEAN_TARGETS.cpuRatio}× bare`,
        isMet: ratio <= LEAN_TARGETS.cpuRatio,
        note: `${options.rate}/s, ${turns} turns of ${options.block} each, A B alternating; medians; product turns ${productCpu.map((value) => value.toFixed(2)).join(' ')}`,
      });
    }
    await Promise.all([discordLoad, webLoad]);
    await sleep(1_000);
    const bareMemory = await bare.memory();
    for (const role of roles) {
      const memory = await product[role].memory();
      const ratio = memory.peakRssBytes / bareMemory.peakRssBytes;
      rows.push({
        what: `peak RSS, ROLES=${role}`,
        ops:
          role === 'telegram'
            ? `${options.updates} updates`
            : role === 'worker'
              ? `${perCommand} jobs`
              : role === 'web'
                ? `${options.updates} GET /`
                : `${options.updates} /help`,
        product: formatMiB(memory.peakRssBytes),
        baseline: formatMiB(bareMemory.peakRssBytes),
        ratio: `${ratio.toFixed(2)}×`,
        target: `≤ ${LEAN_TARGETS.rssRatio}× bare`,
        isMet: ratio <= LEAN_TARGETS.rssRatio,
        note: `RSS now ${formatMiB(memory.rssBytes)} (bare ${formatMiB(bareMemory.rssBytes)}); VmHWM after the load`,
      });
    }
    await Promise.all(processes.map((started) => started.stop()));

    // Start to ready, A B A B.
    const productStart: { ms: number; cpuMs: number }[] = [];
    const bareStart: { ms: number; cpuMs: number }[] = [];
    for (let round = 0; round < options.startRounds; round += 1) {
      for (const [argv, env, into] of [
        [PRODUCT, productEnv('web'), productStart],
        [BARE_WEB, { ...base, DATABASE_URL: database.url, PORT: String(webPort) }, bareStart],
      ] as const) {
        const started = spawn('start', argv, env);
        into.push(await timeToHealthy(started, `http://127.0.0.1:${webPort}/healthz`));
        await started.stop();
      }
    }
    const startRatio = median(productStart.map((start) => start.ms)) / median(bareStart.map((start) => start.ms));
    rows.push({
      what: 'start to /healthz 200, ROLES=web',
      ops: `${options.startRounds} + ${options.startRounds}`,
      product: `${median(productStart.map((start) => start.ms)).toFixed(0)} ms`,
      baseline: `${median(bareStart.map((start) => start.ms)).toFixed(0)} ms`,
      ratio: `${startRatio.toFixed(2)}×`,
      target: `≤ ${LEAN_TARGETS.startRatio}× bare`,
      isMet: startRatio <= LEAN_TARGETS.startRatio,
      note: `PostgreSQL + Redis; CPU by then: product ${median(productStart.map((start) => start.cpuMs)).toFixed(0)} ms, bare ${median(bareStart.map((start) => start.cpuMs)).toFixed(0)} ms`,
    });

    // Embedded: PGlite in DATA_DIR, every role, each round a first start on a fresh DATA_DIR.
    const embeddedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-lean-embedded-'));
    cleanups.push(() => fs.rm(embeddedDir, { recursive: true, force: true }));
    const firstStarts: { ms: number; cpuMs: number }[] = [];
    const embeddedUsers = Array.from({ length: Math.min(200, options.updates) }, (_, index) => FIRST_USER + index);
    let embeddedMemory = { rssBytes: Number.NaN, peakRssBytes: Number.NaN };
    for (let round = 0; round < EMBEDDED_ROUNDS; round += 1) {
      const embeddedEnv = {
        ...productEnv('web,worker,telegram,discord', { DATA_DIR: path.join(embeddedDir, `data-${round}`) }),
      } as Record<string, string>;
      delete embeddedEnv.DATABASE_URL;
      delete embeddedEnv.REDIS_URL;
      delete embeddedEnv.AUTO_MIGRATE;
      const embedded = spawn('embedded', PRODUCT, embeddedEnv);
      firstStarts.push(await timeToHealthy(embedded, `http://127.0.0.1:${webPort}/healthz`));
      await embedded.waitUntilReady();
      if (round === EMBEDDED_ROUNDS - 1) {
        // The last one takes /help from new users, so its peak covers the first start and some load.
        await cpuPerUpdate(embedded, productTelegram, 'help', embeddedUsers, options.rate);
        embeddedMemory = await embedded.memory();
      }
      await embedded.stop();
      log(`embedded first start ${round + 1}/${EMBEDDED_ROUNDS}: ${firstStarts.at(-1)?.ms.toFixed(0)} ms`);
    }
    const firstStartMs = median(firstStarts.map((start) => start.ms));
    rows.push({
      what: 'embedded first start (migrations)',
      ops: String(EMBEDDED_ROUNDS),
      product: `${firstStartMs.toFixed(0)} ms`,
      baseline: '-',
      ratio: '-',
      target: `≤ ${LEAN_TARGETS.embeddedFirstStartMs / 1000} s`,
      isMet: firstStartMs <= LEAN_TARGETS.embeddedFirstStartMs,
      note: `spawn to /healthz 200 on a fresh DATA_DIR, every role; median of ${EMBEDDED_ROUNDS} (${firstStarts.map((start) => start.ms.toFixed(0)).join(', ')} ms); CPU by then ${firstStarts.map((start) => start.cpuMs.toFixed(0)).join(', ')} ms`,
    });
    rows.push({
      what: 'embedded peak RSS, every role',
      ops: `${embeddedUsers.length} /help`,
      product: formatMiB(embeddedMemory.peakRssBytes),
      baseline: '-',
      ratio: '-',
      target: `≤ ${LEAN_TARGETS.embeddedPeakMiB} MiB`,
      isMet: embeddedMemory.peakRssBytes <= LEAN_TARGETS.embeddedPeakMiB * MiB,
      note: `VmHWM after the first start and ${embeddedUsers.length} /help from new users; RSS then ${formatMiB(embeddedMemory.rssBytes)}`,
    });

    const markdown = [
      '## Lean: the product against bare baselines (`tests/bench/lean.ts`)',
      '',
      `Run ${startedAt.toISOString()} on ${machine}.`,
      '',
      `Compiled product (\`node dist/main.js\`, NODE_ENV=production, one process per role on PostgreSQL + a redis-server of its own) against tests/bench/baselines/ run with the same node flags: a bare grammY bot (same runner options, throttler and auto-retry) doing one Prisma query and one reply per update, and a bare Express app that opens the same Prisma client. Same fake Bot API (one instance each), same database, ${options.updates} distinct onboarded users; CPU is /proc schedstat summed over each process's threads.`,
      '',
      markdownTable(
        ['measure', 'ops (product + bare)', 'product', 'bare', 'ratio', 'target', 'note'],
        rows.map((row) => [
          row.what,
          row.ops,
          row.product,
          row.baseline,
          row.ratio,
          `${row.target}: ${row.isMet ? 'met' : 'MISSED'}`,
          row.note,
        ]),
      ),
    ].join('\n');
    return { rows, markdown };
  } finally {
    await Promise.all(processes.map((started) => started.stop().catch(() => undefined)));
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  }
}
