import { randomUUID } from 'node:crypto';
import type { Notifier } from '#core';
import { openProcessCore, type ProcessCore } from '#tests/core/generation/process-core';
import { WorkerChild } from '#tests/core/generation/worker-child';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { createBenchDatabase, seedOnboardedUsers } from '#tests/bench/bench-database';
import { FakeSdApi } from '#tests/fakes/sdapi-api';

/** What {@link benchSdServers} measured, for one row of the bench table. */
export type SdServersResult = {
  jobs: number;
  succeeded: number;
  /** Pictures per second the servers delivered while the sustained part ran. */
  rate: number;
  /** Three servers at `msPerImage` each: the most pictures per second they can make. */
  ceiling: number;
  /** Jobs a server received while it ran another (must be 0). */
  overlaps: number;
  /** Generations delivered more than once, or never (must be 0). */
  deliveredWrong: number;
  ledgerViolations: number;
};

const SERVERS = 3;
const WORKER_OPTIONS = { concurrency: 4, stalledIntervalMs: 1_000, lockDurationMs: 2_000 };
const silentNotifier: Notifier = { send: async () => ({}) };

/**
 * Three fake AUTOMATIC1111 servers with a fixed time per picture behind two worker processes
 * (`SDAPI_URLS`): `jobs` one-picture `/imagine`s sustained, then `jobs / 2` more during which one
 * worker is killed (SIGKILL) and a new one started. Judged: throughput of the sustained part
 * against the servers' ceiling, no server ever given two jobs at once (the fakes count it), every
 * generation succeeded and delivered once, the credit ledger intact.
 */
export async function benchSdServers(options: {
  dataDir: string;
  prefix: string;
  jobs: number;
  msPerImage: number;
  log(message: string): void;
}): Promise<SdServersResult> {
  const servers = await Promise.all(
    Array.from({ length: SERVERS }, () => FakeSdApi.start({ msPerImage: options.msPerImage })),
  );
  const total = options.jobs + Math.ceil(options.jobs / 2);
  const database = await createBenchDatabase();
  await seedOnboardedUsers(database.url, { count: total, credits: 10, firstSubject: 800_000_000 });
  const env = { SDAPI_URLS: servers.map((server) => server.url).join(',') };
  const base = { databaseUrl: database.url, prefix: options.prefix, dataDir: options.dataDir, env };
  const opened = await openProcessCore({ ...base, notifier: silentNotifier });
  const workers: WorkerChild[] = [];
  let next = 0;
  const admit = async (count: number) => {
    for (let index = 0; index < count; index++) await imagine(opened, String(800_000_000 + next++));
  };
  const serverJobs = () => servers.flatMap((server) => server.jobs);
  try {
    workers.push(
      ...(await Promise.all([
        WorkerChild.start({ ...base, ...WORKER_OPTIONS }),
        WorkerChild.start({ ...base, ...WORKER_OPTIONS }),
      ])),
    );
    options.log(`sd: ${options.jobs} jobs on ${SERVERS} fake servers at ${options.msPerImage} ms per picture…`);
    await admit(options.jobs);
    await waitUntil(() => serverJobs().filter((job) => job.endedAt !== undefined).length >= options.jobs, 120_000);
    const sustained = serverJobs();
    const span =
      Math.max(...sustained.map((job) => job.endedAt ?? 0)) - Math.min(...sustained.map((job) => job.startedAt));
    const rate = (sustained.reduce((sum, job) => sum + job.outputs.length, 0) / span) * 1000;

    const extra = total - options.jobs;
    options.log(`sd: ${extra} more jobs; one worker is killed (SIGKILL) midway and a new one started…`);
    const before = serverJobs().length;
    const admitted = admit(extra);
    await waitUntil(() => serverJobs().length >= before + Math.ceil(extra / 3), 60_000);
    await workers[0]?.kill();
    workers.push(await WorkerChild.start({ ...base, ...WORKER_OPTIONS }));
    await admitted;
    const prisma = opened.deps.prisma;
    await waitUntil(async () => (await prisma.generation.count({ where: { finishedAt: null } })) === 0, 120_000);
    const succeeded = await prisma.generation.count({ where: { status: 'succeeded' } });
    const deliveries = new Map<string, number>();
    for (const worker of workers) {
      for (const line of worker.linesOf('media')) {
        const id = line.split(' ')[0] ?? '';
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      }
    }
    const generations = await prisma.generation.findMany({ select: { id: true } });
    const deliveredWrong = generations.filter(({ id }) => deliveries.get(id) !== 1).length;
    return {
      jobs: total,
      succeeded,
      rate,
      ceiling: (SERVERS * 1000) / options.msPerImage,
      overlaps: servers.reduce((sum, server) => sum + server.overlaps, 0),
      deliveredWrong,
      ledgerViolations: (await findLedgerViolations(prisma)).length,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await opened.close();
    await database.drop();
    await Promise.all(servers.map((server) => server.close()));
  }
}

async function imagine(opened: ProcessCore, subject: string): Promise<void> {
  const replies = await opened.core.chat.run({
    eventId: randomUUID(),
    actor: { platform: 'telegram', platformUserId: subject, locale: 'en' },
    chat: { id: subject, type: 'private', messageId: '1' },
    command: { name: 'imagine', args: 'a lighthouse on a cliff at dawn --ar 16:9' },
  });
  const reply = replies[0];
  if (reply?.type !== 'status') throw new Error(`/imagine was not admitted: ${JSON.stringify(reply)}`);
  await opened.core.chat.rememberStatusMessage(reply.generationId, `status-${reply.generationId}`);
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`sd bench: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
