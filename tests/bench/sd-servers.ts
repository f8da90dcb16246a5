import { randomUUID } from 'node:crypto';
import type { Notifier } from '#core';
import { openProcessCore, type ProcessCore } from '#tests/core/generation/process-core';
import { WorkerChild } from '#tests/core/generation/worker-child';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { createBenchDatabase, seedOnboardedUsers } from '#tests/bench/bench-database';
import { FakeSdApi } from '#tests/fakes/sdapi-api';
import { percentile } from '#tests/bench/report';

/** What {@link benchSdServers} measured, for one row of the bench table. */
export type SdServersResult = {
  jobs: number;
  succeeded: number;
  /** Pictures per second the servers delivered in the sustained part's steady state. */
  rate: number;
  /** The jobs finished in that steady state. */
  measuredJobs: number;
  /** Three servers at `msPerImage` each: the most pictures per second they can make. */
  ceiling: number;
  /** Idle time of a server between two jobs in the sustained part: median and longest. */
  gapP50Ms: number;
  gapMaxMs: number;
  /** Jobs per worker process (WORKER_CONCURRENCY unset: the product's default for three servers). */
  workerConcurrency: number;
  /** Jobs a server received while it ran another (must be 0), in each part. */
  overlaps: number;
  killOverlaps: number;
  /** Generations not captured exactly once (must be 0): the credit ledger's one capture per job. */
  capturedWrong: number;
  /** Generations delivered other than once in the sustained part (must be 0). */
  deliveredWrong: number;
  /** Generations of the SIGKILL part delivered twice: sent by the killed worker just before it died, then again. */
  redelivered: number;
  ledgerViolations: number;
};

const SERVERS = 3;
/** Jobs left out of the throughput after both workers are up: their first jobs load and compile code. */
const WARM_UP_JOBS = 2 * SERVERS;
const STALL_OPTIONS = { stalledIntervalMs: 1_000, lockDurationMs: 2_000 };
const silentNotifier: Notifier = { send: async () => ({}) };

/**
 * Three fake AUTOMATIC1111 servers with a fixed time per picture (`SDAPI_URLS`) behind two worker
 * processes with the product's default concurrency. Sustained part: `jobs` one-picture
 * `/imagine`s admitted up front (a backlog, so admission's own pace is not measured here), then the
 * workers start; throughput in the steady state (pictures finished from the start of the job after
 * both workers were up and {@link WARM_UP_JOBS} more had started, until the last job started and
 * the backlog ran dry), against the servers' ceiling. SIGKILL part: `jobs / 2` more, during which one worker is killed and a new
 * one started. Judged over both: no server ever given two jobs at once (the fakes count it), every
 * generation succeeded and captured once, the credit ledger intact; delivered exactly once in the
 * sustained part (a worker killed between sending a result and recording it sends it again after).
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
  // What an operator gets without setting WORKER_CONCURRENCY.
  const workerOptions = { ...STALL_OPTIONS, concurrency: opened.config.workerConcurrency };
  const workers: WorkerChild[] = [];
  let next = 0;
  const admit = async (count: number) => {
    const ids: string[] = [];
    for (let index = 0; index < count; index++) ids.push(await imagine(opened, String(800_000_000 + next++)));
    return ids;
  };
  const serverJobs = () => servers.flatMap((server) => server.jobs);
  const deliveriesOf = () => {
    const deliveries = new Map<string, number>();
    for (const worker of workers) {
      for (const line of worker.linesOf('media')) {
        const id = line.split(' ')[0] ?? '';
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      }
    }
    return deliveries;
  };
  try {
    options.log(`sd: ${options.jobs} jobs admitted, then two workers (${workerOptions.concurrency} jobs each)…`);
    const sustainedIds = await admit(options.jobs);
    workers.push(
      ...(await Promise.all([
        WorkerChild.start({ ...base, ...workerOptions }),
        WorkerChild.start({ ...base, ...workerOptions }),
      ])),
    );
    const allReadyAt = Date.now();
    await waitUntil(() => serverJobs().filter((job) => job.endedAt !== undefined).length >= options.jobs, 180_000);
    // Steady state: from the first job started after both workers were up and the warm-up jobs ran.
    const starts = serverJobs()
      .map((job) => job.startedAt)
      .filter((startedAt) => startedAt >= allReadyAt)
      .sort((a, b) => a - b);
    const from = starts[Math.min(WARM_UP_JOBS, starts.length - 1)] ?? allReadyAt;
    // Until the backlog ran dry (the last job started): after it servers idle for want of jobs.
    const to = starts[starts.length - 1] ?? from;
    const sustained = serverJobs().filter((job) => (job.endedAt ?? 0) > from && (job.endedAt ?? 0) <= to);
    const rate = (sustained.reduce((sum, job) => sum + job.outputs.length, 0) / Math.max(1, to - from)) * 1000;
    const gaps = servers.flatMap((server) =>
      server.jobs
        .slice(1)
        .map((job, index) => ({ job, previous: server.jobs[index] }))
        .filter(({ job }) => job.startedAt > from)
        .map(({ job, previous }) => job.startedAt - (previous?.endedAt ?? job.startedAt)),
    );
    const overlaps = servers.reduce((sum, server) => sum + server.overlaps, 0);
    await waitUntil(() => sustainedIds.every((id) => deliveriesOf().has(id)), 60_000);
    const sustainedDeliveries = deliveriesOf();
    const deliveredWrong = sustainedIds.filter((id) => sustainedDeliveries.get(id) !== 1).length;

    const extra = total - options.jobs;
    options.log(`sd: ${extra} more jobs; one worker is killed (SIGKILL) midway and a new one started…`);
    const before = serverJobs().length;
    const admitted = admit(extra);
    await waitUntil(() => serverJobs().length >= before + Math.ceil(extra / 3), 60_000);
    await workers[0]?.kill();
    workers.push(await WorkerChild.start({ ...base, ...workerOptions }));
    const killIds = await admitted;
    const prisma = opened.deps.prisma;
    await waitUntil(async () => (await prisma.generation.count({ where: { finishedAt: null } })) === 0, 180_000);
    const succeeded = await prisma.generation.count({ where: { status: 'succeeded' } });
    const capturedWrong = await prisma.$queryRaw<{ count: number }[]>`
      SELECT COUNT(*)::int AS count FROM generations g
      WHERE (SELECT COUNT(*) FROM credit_reservations r WHERE r."generationId" = g.id AND r.status = 'captured') <> 1
         OR (SELECT COUNT(*) FROM credit_ledger e JOIN credit_reservations r ON r.id = e."reservationId"
             WHERE r."generationId" = g.id AND e.kind = 'capture') <> 1`;
    const deliveries = deliveriesOf();
    return {
      jobs: total,
      succeeded,
      rate,
      measuredJobs: sustained.length,
      ceiling: (SERVERS * 1000) / options.msPerImage,
      gapP50Ms: percentile(gaps, 50),
      gapMaxMs: Math.max(...gaps),
      workerConcurrency: workerOptions.concurrency,
      overlaps,
      killOverlaps: servers.reduce((sum, server) => sum + server.overlaps, 0) - overlaps,
      capturedWrong: capturedWrong[0]?.count ?? total,
      deliveredWrong,
      redelivered: killIds.filter((id) => (deliveries.get(id) ?? 0) > 1).length,
      ledgerViolations: (await findLedgerViolations(prisma)).length,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await opened.close();
    await database.drop();
    await Promise.all(servers.map((server) => server.close()));
  }
}

async function imagine(opened: ProcessCore, subject: string): Promise<string> {
  const replies = await opened.core.chat.run({
    eventId: randomUUID(),
    actor: { platform: 'telegram', platformUserId: subject, locale: 'en' },
    chat: { id: subject, type: 'private', messageId: '1' },
    command: { name: 'imagine', args: 'a lighthouse on a cliff at dawn --ar 16:9' },
  });
  const reply = replies[0];
  if (reply?.type !== 'status') throw new Error(`/imagine was not admitted: ${JSON.stringify(reply)}`);
  await opened.core.chat.rememberStatusMessage(reply.generationId, `status-${reply.generationId}`);
  return reply.generationId;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`sd bench: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
