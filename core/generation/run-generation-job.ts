import type { CoreDeps } from '#core/core-deps';
import { notifyJob } from '#core/generation/notify-job';
import { deliverFinalMessage } from '#core/generation/deliver-final-message';
import { finishGeneration, TERMINAL_STATUSES } from '#core/generation/finish-generation';
import { chooseModel, type Route } from '#core/providers/route-model';
import { ProviderError } from '#core/providers/provider-error';
import type { AspectRatio, MediaFile } from '#core/providers/ports';
import { generateVideoFile } from '#core/generation/generate-video-file';
import { readStoredImageJob, rememberImageJob } from '#core/generation/image-backend-job';
import { assertStillRunning, GenerationEndedError } from '#core/generation/generation-ended';
import { GLOBAL_GENERATION_LIMIT, providerLimitName } from '#core/infra/build-limits';
import { RateLimiterClosedError } from '#core/infra/rate-limit/rate-limiter';
import { measureProviderCall } from '#core/metrics/record-generation';
import { isOpenStatus, OPEN_STATUSES } from '#core/generation/open-statuses';
import { storeMediaAsset } from '#core/generation/store-media-asset';
import { makeThumbnail } from '#core/gallery/make-thumbnail';
import { callProviderRoutes } from '#core/generation/call-provider-routes';
import { retryWhileDatabaseUnreachable } from '#core/infra/db/retry-while-unreachable';
import { sleepUntilAborted } from '#core/infra/sleep-until-aborted';
import { upscalePicture } from '#core/generation/upscale-picture';
import { buildProgressStatus } from '#core/generation/build-progress-status';
import { trackJobProgress, type ProgressTracker } from '#core/generation/track-job-progress';
import { canReadProgress } from '#core/providers/ports';
import type { Generation } from '#core/infra/db/generated/client';

type StoredOptions = {
  requestedModel?: string;
  aspectRatio?: AspectRatio;
  count?: number;
  quality?: 'standard' | 'hd';
  durationSeconds?: number;
  seed?: number;
  negativePrompt?: string;
  operation?: 'upscale' | 'vary';
  strength?: number;
};

/**
 * Runs one queued generation to its end. Safe to run again for the same generation (a retried
 * or duplicated job, a worker that died): a finished generation is skipped, stored results are
 * reused, `finishGeneration` settles credits once and `deliverFinalMessage` sends the result
 * once (retrying until the chat accepts it), so nobody is charged or served twice.
 * Transient provider failures are retried and fail over until the deadline (`callProviderRoutes`);
 * a safety refusal ends it `blocked`.
 */
export async function runGenerationJob(
  deps: CoreDeps,
  job: { generationId: string; signal: AbortSignal },
): Promise<void> {
  const { prisma, clock, logger } = deps;
  const log = logger.child({ generationId: job.generationId });
  const generation = await prisma.generation.findUnique({ where: { id: job.generationId } });
  if (!generation) return;
  if (!isOpenStatus(generation.status) && !generation.deliveredAt) {
    // A worker died after ending the job and before its final message went out: send it now
    // (unless another sender holds it; the sweep retries it otherwise).
    await deliverFinalMessage(deps, generation.id);
    return;
  }
  if ((TERMINAL_STATUSES as readonly string[]).includes(generation.status)) return;
  const now = clock.now();
  if (generation.deadlineAt && generation.deadlineAt <= now) {
    await finishGeneration(deps, generation.id, { status: 'failed', errorCode: 'generation_timeout' });
    return;
  }
  const claimed = await prisma.generation.updateMany({
    where: { id: generation.id, status: { in: [...OPEN_STATUSES] } },
    data: { status: 'running', startedAt: generation.startedAt ?? now, attempts: { increment: 1 } },
  });
  if (claimed.count === 0) return;
  // No percentage yet: the backend has said nothing (the tracker shows its real one once it does).
  await notifyJob(deps, generation.id, [buildProgressStatus(generation.id, { phase: 'running' })]);

  const deadlineMs =
    (generation.deadlineAt?.getTime() ?? now.getTime() + deps.config.jobTimeouts.imageSeconds * 1000) - now.getTime();
  const tracker = trackJobProgress(deps, {
    generationId: generation.id,
    kind: generation.kind,
    model: generation.model,
    startedAt: generation.startedAt ?? now,
  });
  try {
    await runProviderPart(deps, job, generation, tracker, deadlineMs, log);
  } finally {
    await tracker.stop();
  }
}

/** The part of {@link runGenerationJob} from the provider call on; `tracker` reports progress meanwhile. */
async function runProviderPart(
  deps: CoreDeps,
  job: { generationId: string; signal: AbortSignal },
  generation: Generation,
  tracker: ProgressTracker,
  deadlineMs: number,
  log: CoreDeps['logger'],
): Promise<void> {
  const { prisma } = deps;
  // A cancel (seen by the tracker) aborts the call, so the backend is told to stop.
  const signal = AbortSignal.any([job.signal, AbortSignal.timeout(Math.max(1, deadlineMs)), tracker.ended]);
  const options = (generation.options ?? {}) as StoredOptions;
  const existing = await findOutputs(deps, generation.id);

  let files: MediaFile[] | undefined;
  if (existing.length === 0) {
    const inputImage = generation.inputMediaId ? await loadInput(deps, generation.inputMediaId) : undefined;
    if (options.operation !== undefined && !inputImage) {
      // The picture to upscale or vary went (the account erased meanwhile): nothing to work on, refunded.
      await finishGeneration(deps, generation.id, { status: 'failed', errorCode: 'invalid_input' });
      return;
    }
    const routes = planJobRoutes(deps, generation, options, inputImage !== undefined);
    const outcome = await callProviderRoutes(
      deps,
      { generationId: generation.id, signal, interrupted: job.signal, deadlineMs: Date.now() + deadlineMs },
      routes,
      (route) =>
        scheduleProviderCall(deps, route.provider, generation.kind, signal, async () => {
          // The slot may have taken a while: a job cancelled meanwhile must not pay for a call.
          await assertStillRunning(deps, generation.id);
          return measureProviderCall(
            deps.metrics,
            { provider: route.provider, kind: generation.kind, deadline: signal, interrupted: job.signal },
            async () => {
              if (generation.kind === 'video') {
                // Read afresh: an earlier try of this job may have started an operation to resume (or forgotten a failed one).
                const stored = await prisma.generation.findUniqueOrThrow({
                  where: { id: generation.id },
                  select: { provider: true, providerOperation: true },
                });
                const operation = stored.provider === route.provider ? stored.providerOperation : null;
                return [
                  await generateVideoFile(deps, {
                    generationId: generation.id,
                    route,
                    prompt: generation.prompt ?? '',
                    options,
                    operation,
                    signal,
                    inputImage,
                    onProgress: tracker.report,
                  }),
                ];
              }
              if (options.operation === 'upscale' && inputImage)
                return [await upscalePicture(deps, route, inputImage, signal)];
              const provider = deps.providers.image.find((candidate) => candidate.name === route.provider);
              if (!provider)
                throw new ProviderError(route.provider, 'transient', 'provider not configured in this process');
              const resume = await readStoredImageJob(deps, generation.id, route.provider);
              tracker.watch(canReadProgress(provider) ? provider : undefined, { signal, jobKey: generation.id });
              return provider.generateImages({
                prompt: generation.prompt ?? '',
                model: route.model,
                aspectRatio: options.aspectRatio ?? '1:1',
                count: options.count ?? 1,
                quality: options.quality ?? 'standard',
                ...(inputImage ? { inputImage } : {}),
                ...(inputImage && options.strength !== undefined ? { strength: options.strength } : {}),
                ...(options.seed === undefined ? {} : { seed: options.seed }),
                ...(options.negativePrompt === undefined ? {} : { negativePrompt: options.negativePrompt }),
                signal,
                jobKey: generation.id,
                ...(resume === undefined ? {} : { resume }),
                onStarted: (handle) => rememberImageJob(deps, generation.id, route.provider, handle),
                detach: job.signal,
              });
            },
          );
        }),
    ).catch((error: unknown) => {
      if (error instanceof GenerationEndedError) return undefined; // cancelled or swept meanwhile: credits already settled
      if (tracker.ended.aborted) return undefined;
      throw error;
    });
    // Cancelled or swept while the provider worked: whoever ended it settled the credits.
    if (!outcome || tracker.ended.aborted) return;
    if (outcome.kind === 'refused') {
      await recordRefusal(deps, generation.userId, generation.id, outcome.route.provider);
      await finishGeneration(deps, generation.id, { status: 'blocked', category: 'provider_safety' });
      return;
    }
    if (outcome.kind === 'invalid') {
      log.warn({ err: outcome.error, provider: outcome.route.provider }, 'provider rejected the request');
      await finishGeneration(deps, generation.id, { status: 'failed', errorCode: 'invalid_input' });
      return;
    }
    if (outcome.kind === 'gave_up') {
      log.warn({ err: outcome.lastError, errorCode: outcome.errorCode }, 'no provider delivered before the deadline');
      await finishGeneration(deps, generation.id, { status: 'failed', errorCode: outcome.errorCode });
      return;
    }
    files = outcome.value;
    if (outcome.route.provider !== generation.provider || outcome.route.modelId !== generation.model) {
      await prisma.generation.update({
        where: { id: generation.id },
        data: { provider: outcome.route.provider, model: outcome.route.modelId },
      });
    }
  }

  // The result is in hand: a database away just now (a restart) must not lose it, so these
  // writes are tried again until the job's deadline.
  const settle = <T>(what: string, task: () => Promise<T>) =>
    retryWhileDatabaseUnreachable(task, { until: Date.now() + deadlineMs, signal: job.signal, log, what });
  const current = await settle('mark the job uploading', () =>
    prisma.generation.updateMany({ where: { id: generation.id, status: 'running' }, data: { status: 'uploading' } }),
  );
  if (current.count === 0) return; // cancelled or ended while the provider worked: credits already settled
  await tracker.stop();
  await notifyJob(deps, generation.id, [
    { type: 'status', generationId: generation.id, text: { key: 'job.uploading' } },
  ]);
  if (existing.length === 0) {
    await settle('store the results', async () =>
      storeOutputs(
        deps,
        generation.userId,
        generation.id,
        (files ?? []).slice((await findOutputs(deps, generation.id)).length),
      ),
    );
  }
  const isFinished = await settle('settle the job', () =>
    finishGeneration(deps, generation.id, { status: 'succeeded' }),
  );
  if (!isFinished) return;
  await deliverFinalMessage(deps, generation.id);
}

function findOutputs(deps: Pick<CoreDeps, 'prisma'>, generationId: string) {
  return deps.prisma.mediaAsset.findMany({ where: { generationId, role: 'output' }, orderBy: { createdAt: 'asc' } });
}

/**
 * The routes of a queued job, as admission chose them: the model it was admitted on (the
 * `model` column) first, then the fallbacks of a named model or the rest of the default order.
 * A job whose model left the models file since has no routes and ends `provider_unavailable`
 * (refunded) rather than being served by a model of another price.
 */
function planJobRoutes(
  deps: CoreDeps,
  generation: { kind: 'image' | 'video'; model: string | null },
  options: StoredOptions,
  hasInputImage: boolean,
): Route[] {
  let routes: Route[];
  try {
    routes = chooseModel(deps, {
      kind: generation.kind,
      modelId: options.requestedModel,
      hasInputImage,
      count: options.count ?? 1,
      quality: options.quality ?? 'standard',
      aspectRatio: options.aspectRatio ?? '1:1',
      durationSeconds: options.durationSeconds ?? 5,
      hasNegativePrompt: options.negativePrompt !== undefined,
      ...(options.operation === 'upscale' ? { operation: 'upscale' as const } : {}),
      hasSeed: options.seed !== undefined,
    }).routes;
  } catch {
    return [];
  }
  const admitted = routes.filter((route) => route.modelId === generation.model);
  if (admitted.length === 0) return [];
  return [...admitted, ...routes.filter((route) => route.modelId !== generation.model)];
}

async function loadInput(deps: CoreDeps, mediaId: string): Promise<MediaFile | undefined> {
  const asset = await deps.prisma.mediaAsset.findUnique({ where: { id: mediaId } });
  const bytes = asset ? await deps.media.get(asset.storageKey) : undefined;
  return asset && bytes ? { bytes, mime: asset.mime } : undefined;
}

/**
 * Stores the results, each image with its gallery thumbnail. A thumbnail that cannot be made
 * now does not hold up the result: the gallery makes it on first view.
 */
async function storeOutputs(deps: CoreDeps, userId: string, generationId: string, files: MediaFile[]) {
  const assets = [];
  for (const file of files) {
    const asset = await storeMediaAsset(deps, file, {
      userId,
      generationId,
      role: 'output',
      width: file.width ?? null,
      height: file.height ?? null,
      seed: file.seed ?? null,
    });
    assets.push(asset);
    await makeThumbnail(deps, asset).catch((error: unknown) =>
      deps.logger.warn({ err: error, assetId: asset.id }, 'could not make a thumbnail; the gallery makes it later'),
    );
  }
  return assets;
}

async function recordRefusal(deps: CoreDeps, userId: string, generationId: string, provider: string): Promise<void> {
  await deps.prisma.moderationEvent.create({
    data: { userId, generationId, stage: `provider:${provider}`, verdict: 'blocked', categories: ['provider_safety'] },
  });
}

/** The longest pause between tries at reaching an unavailable rate limiter (Redis). */
const LIMITER_RETRY_MAX_MS = 1_000;

/**
 * Runs a provider call under the deployment-wide cap and the provider's own limits. When the
 * limiter itself fails before the call started (its Redis restarting or unreachable), that is no
 * provider failure: it waits and tries again until `signal` ends (the job's deadline or the
 * worker's shutdown), so a short Redis outage delays jobs instead of failing them.
 */
async function scheduleProviderCall<T>(
  deps: CoreDeps,
  provider: string,
  kind: 'image' | 'video',
  signal: AbortSignal,
  task: () => Promise<T>,
): Promise<T> {
  // A call ends by its job's deadline: one that hangs past it gives its slot back then (a killed worker's slots lapse with their lease).
  const slot = {
    slotTimeoutMs:
      (kind === 'video' ? deps.config.jobTimeouts.videoSeconds : deps.config.jobTimeouts.imageSeconds) * 1000,
  };
  for (let attempt = 1; ; attempt += 1) {
    let hasStarted = false;
    try {
      return await deps.limiter.schedule(
        GLOBAL_GENERATION_LIMIT,
        () =>
          deps.limiter.schedule(
            providerLimitName(provider),
            () => {
              hasStarted = true;
              return task();
            },
            slot,
          ),
        slot,
      );
    } catch (error) {
      if (hasStarted || signal.aborted || error instanceof RateLimiterClosedError) throw error;
      deps.logger.warn({ err: error, provider, attempt }, 'rate limiter unavailable; trying again');
      await sleepUntilAborted(Math.min(LIMITER_RETRY_MAX_MS, 250 * 2 ** (attempt - 1)), signal);
    }
  }
}
