import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { catalogOf } from '#core';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import type { RecordedRequest } from '#tests/fakes/http-recorder';
import { startFakeTelegram, type FakeTelegram, type TelegramCall } from '#tests/fakes/telegram-bot-api';
import { createTestDatabase, type TestDatabase } from '#tests/support/test-database';
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

const BOT_TOKEN = '7000000001:AAScaleOutFakeTokenForTests01';
const USERS = Array.from({ length: 12 }, (_, index) => 810_000_001 + index);
const WORKERS = ['worker-1', 'worker-2'] as const;
/** Provider calls at once, across both workers (PROVIDER_LIMITS). */
const LIMIT = 2;
/** Each provider call takes this long: 12 jobs need 6 rounds of 2, so a worker is always mid-job. */
const LATENCY_MS = 2_000;
/**
 * How far from the end of a provider call, or from its last picture, a worker is killed. A
 * picture follows its call by about a second (Telegram's one message a second per chat spaces the
 * status edit and the photo), so a worker's next call is already 1 s old when its picture is sent.
 */
const KILL_MARGIN_MS = 250;
const RUNNING_PREFIX = catalogOf('en')['job.running'].split('{')[0] ?? '';

describe('scale-out: two worker processes, a web and a Telegram bot process on one PostgreSQL and Redis', () => {
  let redis: OwnRedis | undefined;
  let database: TestDatabase | undefined;
  let telegram: FakeTelegram | undefined;
  let google: FakeGoogleGenAIApi | undefined;
  let operator: OperatorConsole | undefined;
  let deployment: Deployment | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await deployment?.stopAll().catch(() => undefined);
    await Promise.all(deployment?.processes().map((service) => service.kill()) ?? []);
    await operator?.close();
    await telegram?.close();
    await google?.close();
    await database?.close();
    await redis?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  // Takes 60-120 s: BullMQ finds a dead worker's job after its lock expired (30 s) and two stalled
  // checks (every 30 s), and main.ts offers no setting to shorten either.
  it('spreads jobs over both workers, holds the provider limit across them, and finishes a SIGKILLed worker’s job once on the other', async () => {
    onTestFailed(() => {
      for (const service of deployment?.processes() ?? []) {
        for (const line of service.problems()) process.stderr.write(`${service.name}: ${JSON.stringify(line)}\n`);
      }
    });
    redis = await startOwnRedis();
    database = await createTestDatabase('postgres');
    telegram = await startFakeTelegram();
    // The provider is the fake Gemini API, so the limit is read where it matters: at the provider.
    google = await FakeGoogleGenAIApi.start({ delayMs: LATENCY_MS });
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-scale-out-'));
    const databaseUrl = database.url ?? '';
    operator = await openConsole({ databaseUrl, dataDir });
    await onboardUsers(operator.core, USERS);

    deployment = await Deployment.create({
      databaseUrl,
      redisUrl: redis.url,
      dataDir,
      telegramApiRoot: telegram.apiRoot,
      botToken: BOT_TOKEN,
      env: {
        GOOGLE_API_KEY: google.apiKey,
        GOOGLE_GENAI_BASE_URL: google.baseUrl,
        PROVIDER_LIMITS: JSON.stringify({ google: { maxConcurrent: LIMIT } }),
        WORKER_CONCURRENCY: '3',
        // A killed worker's provider slots stay taken until the limit's slot timeout, which for a
        // provider that also makes videos (Google does) is this (900 s by default). Its minimum
        // keeps a worker killed while it holds both slots from stopping the provider for
        // longer than BullMQ takes to hand its jobs over.
        VIDEO_JOB_TIMEOUT_SECONDS: '30',
      },
    });
    const cluster = deployment;
    await Promise.all([
      ...WORKERS.map((name) => cluster.start(name, ['worker'])),
      cluster.start('web', ['web']),
      cluster.start('telegram', ['telegram']),
    ]);
    const ready = await fetch(`${cluster.webUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ isReady: true, database: true, redis: true });

    const fake = telegram;
    const provider = google;
    const watcher = new ChatWatcher(fake);
    const promptOf = (chatId: number) => `a lighthouse number ${chatId % 100} at dawn`;
    for (const userId of USERS) sendImagine(fake, userId, promptOf(userId));
    const by = (name: string) => (call: TelegramCall) => cluster.senderOf(call.token) === name;
    const photos = () => fake.callsOf('sendPhoto').filter((call) => call.status === 200);
    const delivered = (chatId: number) => watcher.callsTo(chatId).some((call) => call.method === 'sendPhoto');
    const shown = (chatId: number, name: string, isText: (text: string) => boolean) =>
      watcher.callsTo(chatId).some((call) => by(name)(call) && isText(textOf(call) ?? ''));
    const generateCalls = () => provider.requests.filter((request) => request.path.endsWith(':generateContent'));
    const chatOf = (request: RecordedRequest) =>
      USERS.find((chatId) => JSON.stringify(request.body).includes(promptOf(chatId)));
    const callsFor = (chatId: number) => generateCalls().filter((request) => chatOf(request) === chatId);
    /** Chats whose job `name` started ("Creating…") and whose picture is not sent yet. */
    const working = (name: string) =>
      USERS.filter((chatId) => !delivered(chatId) && shown(chatId, name, (text) => text.startsWith(RUNNING_PREFIX)));
    /**
     * A worker that is safe to kill mid-job: one of its jobs is at the provider, with at least
     * `KILL_MARGIN_MS` of its call left; none of its jobs has a returned call and no picture yet
     * (the charge and the picture may be under way), nor a picture sent in the last
     * `KILL_MARGIN_MS` (its delivery may not be recorded yet: killed then, the job is finished and
     * its picture sent again, by design); and every call at the provider belongs to a known worker.
     */
    const killable = (): string | undefined => {
      const now = Date.now();
      const inFlight = generateCalls().filter((request) => request.endedAt === undefined);
      const ownerOf = (request: RecordedRequest) =>
        WORKERS.find((name) => working(name).some((chatId) => chatId === chatOf(request)));
      if (
        inFlight.some(
          (request) => ownerOf(request) === undefined || now - request.at.getTime() > LATENCY_MS - KILL_MARGIN_MS,
        )
      )
        return undefined;
      return WORKERS.find((name) => {
        const jobs = working(name);
        const atProvider = jobs.filter((chatId) => callsFor(chatId).some((request) => request.endedAt === undefined));
        const returned = jobs.filter((chatId) => callsFor(chatId).length > 0 && !atProvider.includes(chatId));
        const lastPhotoAt = Math.max(
          0,
          ...photos()
            .filter(by(name))
            .map((call) => call.at),
        );
        return atProvider.length > 0 && returned.length === 0 && now - lastPhotoAt > KILL_MARGIN_MS;
      });
    };

    // Both workers deliver; then one dies while one of its jobs is at the provider.
    await until(
      () => (photos().some(by('worker-1')) && photos().some(by('worker-2'))) || undefined,
      30_000,
      'a picture from each worker',
    );
    const victim = await until(killable, 20_000, 'a worker safe to kill mid-job');
    await cluster.process(victim).kill();
    const survivor = WORKERS.find((name) => name !== victim) ?? '';
    const orphans = working(victim);
    expect(orphans.length).toBeGreaterThan(0);

    expect(await waitUntilSettled(operator.prisma, 120_000)).toBe(0);
    await until(() => USERS.every(delivered) || undefined, 10_000, 'a picture in every chat');
    for (const chatId of orphans) {
      const pictures = watcher.callsTo(chatId).filter((call) => call.method === 'sendPhoto');
      expect(pictures.map((call) => cluster.senderOf(call.token))).toEqual([survivor]);
      const generation = await operator.prisma.generation.findFirstOrThrow({
        where: { delivery: { path: ['chatId'], equals: String(chatId) } },
      });
      expect(generation.status).toBe('succeeded');
      expect(generation.attempts).toBeGreaterThanOrEqual(2);
      const entries = await operator.prisma.creditLedgerEntry.findMany({
        where: { generationId: generation.id },
        orderBy: { id: 'asc' },
      });
      expect(entries.map((entry) => entry.kind)).toEqual(['reserve', 'capture']);
      expect(
        cluster
          .process(survivor)
          .logs.some((line) => line.msg.startsWith('job stalled') && line.generationId === generation.id),
      ).toBe(true);
    }
    const picturesOf = (chatId: number) =>
      watcher.callsTo(chatId).filter((call) => call.method === 'sendPhoto' && call.status === 200);
    const notOnePicture = USERS.filter((chatId) => picturesOf(chatId).length !== 1).map((chatId) => ({
      chatId,
      victim,
      sentBy: picturesOf(chatId).map((call) => `${cluster.senderOf(call.token)} at ${call.at}`),
    }));
    expect(notOnePicture).toEqual([]);
    const audit = await auditGenerations(operator.prisma, { now: new Date(), isSettled: true, telegram: fake });
    expect(audit.problems).toEqual([]);
    expect(audit.byStatus).toEqual({ succeeded: USERS.length });

    // Calls at once as the provider counted them (a dropped call stops counting when its connection
    // closes), over both workers: the limit was used to the full and never passed.
    expect(generateCalls().length).toBeGreaterThanOrEqual(USERS.length);
    expect(provider.peakInFlight).toBe(LIMIT);
    expect(provider.handlerErrors).toEqual([]);

    expect(await cluster.stopAll()).toMatchObject({ web: 0, telegram: 0, [survivor]: 0 });
  }, 200_000);
});

/** Polls `find` every 50 ms until it returns a value; fails naming `what` after `timeoutMs`. */
async function until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
