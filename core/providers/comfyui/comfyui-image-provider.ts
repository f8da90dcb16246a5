import { createHash, randomInt, randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { fillComfyWorkflow, type ComfyWorkflow, type WorkflowGraph } from '#core/providers/comfyui/comfyui-workflow';
import { createInstancePool, type HeldInstance, NoHealthyInstanceError } from '#core/providers/instance-pool';
import { readImageSize } from '#core/providers/google/read-image-size';
import { abortedProviderError, kindForHttpStatus } from '#core/providers/map-provider-error';
import type {
  AspectRatio,
  ImageProgress,
  ImageProgressReader,
  ImageProvider,
  ImageRequest,
  ImageUpscaler,
  MediaFile,
  ProgressQuery,
  UpscaleRequest,
} from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';

const NAME = 'comfyui';
const MAX_COUNT = 4;
/** `{{denoise}}` of an edit that names no strength (a photo sent with a prompt): how far the sampler may move from it. */
const DEFAULT_EDIT_DENOISE = 0.6;
/** One HTTP request to an instance (submit, history, view, upload); the generation itself is bounded by the job. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How long the WebSocket may take to open before the run relies on polling `/history` alone. */
const SOCKET_OPEN_TIMEOUT_MS = 5_000;
/** History polls: often once the socket is gone, seldom while it reports (a safety net for a lost message). */
const POLL_WITHOUT_SOCKET_MS = 500;
const POLL_WITH_SOCKET_MS = 5_000;
/** History polls in a row that may fail (unreachable, 5xx) before the job leaves the instance. */
const MAX_FAILED_POLLS = 3;
/** The look at `/queue` and the interrupt or delete after a cancel, together. */
const CANCEL_TIMEOUT_MS = 5_000;

/** SDXL's trained sizes (about one megapixel) for each aspect ratio we offer. */
const SIZES: Record<AspectRatio, { width: number; height: number }> = {
  '1:1': { width: 1024, height: 1024 },
  '16:9': { width: 1344, height: 768 },
  '9:16': { width: 768, height: 1344 },
  '4:3': { width: 1152, height: 896 },
  '3:4': { width: 896, height: 1152 },
  '3:2': { width: 1216, height: 832 },
  '2:3': { width: 832, height: 1216 },
};

/** HD pictures are this much larger on each side (the HD price pays for more pixels, not the same picture). */
const HD_SCALE = 1.5;

/** The picture size for an aspect ratio: SDXL's ~1 megapixel sizes, HD {@link HD_SCALE} larger, in multiples of 64. */
function sizeOf(aspectRatio: AspectRatio, quality: 'standard' | 'hd'): { width: number; height: number } {
  const base = SIZES[aspectRatio];
  if (quality !== 'hd') return base;
  const scaled = (side: number) => Math.round((side * HD_SCALE) / 64) * 64;
  return { width: scaled(base.width), height: scaled(base.height) };
}

/**
 * A model served by ComfyUI: its name as users pick it, and the workflows that make it (the
 * registry gives every model an upscale workflow, the repository's when none is named).
 */
export type ComfyUiModel = {
  name: string;
  workflow: ComfyWorkflow;
  editWorkflow?: ComfyWorkflow | undefined;
  upscaleWorkflow?: ComfyWorkflow | undefined;
};

/** Options of {@link createComfyUiImageProvider}. */
export type ComfyUiImageProviderOptions = {
  /** Base URLs of the instances, e.g. `http://gpu1:8188`; `user:password@` becomes Basic auth. */
  urls: readonly string[];
  /** First = the default model. */
  models: readonly ComfyUiModel[];
  /** The deployment's limiter (read when a job starts): its holds keep one job per instance across processes. */
  limiter: () => RateLimiter;
  /** Per HTTP request; default 30 s. */
  timeoutMs?: number;
  /** Text for `{{negative_prompt}}`; default empty. */
  negativePrompt?: string;
  /** Longest time an instance that stopped answering is skipped before it is looked at again (doubling from 1 s); default 30 s. */
  maxDownMs?: number;
};

/** The ComfyUI provider, which also enlarges pictures and reports how far each running job is (by `ImageRequest.jobKey`, from the `/ws` progress events). */
export type ComfyUiImageProvider = ImageProvider & ImageUpscaler & ImageProgressReader;

/** A file in ComfyUI's folders as `/history` names it. */
type ImageRef = { filename: string; subfolder: string; type: string };
type HistoryEntry = {
  outputs?: Record<string, { images?: ImageRef[] }>;
  status?: { status_str?: string; completed?: boolean; messages?: Array<[string, Record<string, unknown>]> };
};

/**
 * Images from self-hosted ComfyUI instances through its server API
 * (https://docs.comfy.org/development/comfyui-server/comms_overview): the model's workflow (API
 * format) is filled with the prompt, seed and size, an edit's photo goes up through
 * `POST /upload/image` first, then `POST /prompt` with our `client_id` queues it; the
 * `/ws?clientId=` socket reports `progress` and the end (`executing` with `node: null`,
 * `execution_error`, `execution_interrupted`), `/history/{id}` lists the saved images and `/view`
 * serves them. If the socket drops, `/history` is polled until the prompt ends.
 *
 * `count` > 1 runs once with `{{batch_size}}` when the workflow has it (every image then carries
 * the one seed: ComfyUI varies the noise by batch index), else the graph runs `count` times with
 * seeds `seed`, `seed + 1`, …; each returned file carries its seed. When the request's signal
 * fires, our prompt is interrupted if it is the one running (`POST /interrupt`), or taken off the
 * queue (`POST /queue {delete}`).
 *
 * Instances come from an {@link createInstancePool}: one job at a time per instance across every
 * worker, an instance whose `GET /queue` is not empty left alone; a refused connection or a
 * 502/503/504 takes an instance out of rotation until `/queue` answers again. Failures: a 400 from `/prompt` (node_errors) is `invalid`; 401/403
 * (a proxy's auth) `auth`; 5xx, network errors, time-outs, an execution error and no healthy
 * instance are `transient`.
 *
 * An upscale uploads the picture the same way and runs the model's upscale workflow with
 * `{{input_image}}` and the size to reach in `{{width}}` and `{{height}}`; its first saved image
 * is the answer.
 */
export function createComfyUiImageProvider(options: ComfyUiImageProviderOptions): ComfyUiImageProvider {
  if (options.urls.length === 0) throw new Error('ComfyUI: at least one instance URL is needed');
  const [defaultModel] = options.models;
  if (!defaultModel) throw new Error('ComfyUI: at least one model is needed');
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Keyed by the URL without credentials: that is what lease names, logs and errors carry.
  const instances = new Map(
    options.urls.map((url) => {
      const parsed = parseInstance(url);
      return [parsed.base.href.replace(/\/$/, ''), parsed];
    }),
  );
  /** How far each running job is, 0..1, by `ImageRequest.jobKey`. */
  const progress = new Map<string, number>();
  /** Failures that took their instance out of rotation: the job goes on to another instance. */
  const instanceDown = new WeakSet<ProviderError>();
  const down = (url: string, error: ProviderError): ProviderError => {
    pool.markDown(url);
    instanceDown.add(error);
    return error;
  };
  const pool = createInstancePool({
    name: NAME,
    urls: [...instances.keys()],
    limiter: options.limiter,
    ...(options.maxDownMs === undefined ? {} : { maxDownMs: options.maxDownMs }),
    // `/queue` lists what runs and waits there: ours, a killed worker's, or someone's on its web UI.
    checkInstance: async (url) => {
      try {
        const queue = await readJson<{ queue_running?: unknown[]; queue_pending?: unknown[] }>(
          url,
          '/queue',
          {},
          undefined,
        );
        return (queue.queue_running?.length ?? 0) + (queue.queue_pending?.length ?? 0) > 0 ? 'busy' : 'idle';
      } catch {
        return 'down';
      }
    },
  });

  function instance(url: string): Instance {
    return instances.get(url) ?? parseInstance(url);
  }

  /** One HTTP request to an instance, bounded by `timeoutMs` and the caller's signal; the raw Response. */
  async function call(
    url: string,
    path: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const { base, authorization } = instance(url);
    const timeout = AbortSignal.timeout(timeoutMs);
    const headers = new Headers(init.headers);
    if (authorization) headers.set('authorization', authorization);
    try {
      return await fetch(new URL(path, base), {
        ...init,
        headers,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted || timeout.aborted) throw abortedProviderError(NAME, signal, error);
      throw down(
        url,
        new ProviderError(NAME, 'transient', `${NAME}: ${base.host} unreachable`, { cause: error, reason: 'network' }),
      );
    }
  }

  /** A non-2xx answer as a `ProviderError`; a gateway's 502/503/504 means the instance behind it is down. */
  function httpFailure(url: string, path: string, status: number, text: string): ProviderError {
    const error = new ProviderError(NAME, kindForHttpStatus(status), describeFailure(path, status, text), { status });
    return [502, 503, 504].includes(status) ? down(url, error) : error;
  }

  /** Like {@link call}, but a non-2xx answer becomes a `ProviderError`. */
  async function callOk(
    url: string,
    path: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const response = await call(url, path, init, signal);
    if (response.ok) return response;
    throw httpFailure(url, path, response.status, await response.text().catch(() => ''));
  }

  async function readJson<T>(
    url: string,
    path: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const response = await callOk(url, path, init, signal);
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new ProviderError(NAME, 'transient', `${NAME}: ${path} answered no JSON`, { cause: error });
    }
  }

  /** Puts the photo into the instance's input folder under a name from its bytes, so a retry overwrites it. */
  async function upload(url: string, image: MediaFile, signal: AbortSignal | undefined): Promise<string> {
    const extension = image.mime === 'image/jpeg' ? 'jpg' : image.mime === 'image/webp' ? 'webp' : 'png';
    const name = `imagine-${createHash('sha256').update(image.bytes).digest('hex').slice(0, 24)}.${extension}`;
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(image.bytes)], { type: image.mime }), name);
    form.set('overwrite', 'true');
    form.set('type', 'input');
    const answer = await readJson<{ name?: string; subfolder?: string }>(
      url,
      '/upload/image',
      { method: 'POST', body: form },
      signal,
    );
    if (typeof answer.name !== 'string') throw new ProviderError(NAME, 'transient', `${NAME}: upload answered no name`);
    return answer.subfolder ? `${answer.subfolder}/${answer.name}` : answer.name;
  }

  async function submit(url: string, graph: WorkflowGraph, clientId: string, signal: AbortSignal | undefined) {
    const response = await call(
      url,
      '/prompt',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: graph, client_id: clientId }),
      },
      signal,
    );
    const text = await response.text().catch(() => '');
    if (response.status === 400) {
      throw new ProviderError(NAME, 'invalid', `${NAME}: the workflow was refused: ${summarizeRefusal(text)}`, {
        status: 400,
      });
    }
    if (!response.ok) throw httpFailure(url, '/prompt', response.status, text);
    const answer = safeJson(text) as { prompt_id?: unknown } | undefined;
    if (typeof answer?.prompt_id !== 'string') {
      throw new ProviderError(NAME, 'transient', `${NAME}: /prompt answered no prompt_id`);
    }
    return answer.prompt_id;
  }

  /** Interrupts our prompt if it is running, or deletes it from the queue; best effort, the job has ended anyway. */
  async function cancel(url: string, promptId: string): Promise<void> {
    // Bounded on its own: the job's signal has fired, and a stuck instance must not hold the job's end.
    const signal = AbortSignal.timeout(CANCEL_TIMEOUT_MS);
    try {
      const queue = await readJson<{ queue_running?: unknown[][]; queue_pending?: unknown[][] }>(
        url,
        '/queue',
        {},
        signal,
      );
      const json = { method: 'POST', headers: { 'content-type': 'application/json' } };
      // Newer ComfyUI interrupts only the prompt named in the body; older ones whatever runs, hence the look first.
      if (queue.queue_running?.some((entry) => entry[1] === promptId)) {
        await callOk(url, '/interrupt', { ...json, body: JSON.stringify({ prompt_id: promptId }) }, signal);
      } else if (queue.queue_pending?.some((entry) => entry[1] === promptId)) {
        await callOk(url, '/queue', { ...json, body: JSON.stringify({ delete: [promptId] }) }, signal);
      }
    } catch {
      // The instance is gone or busy: the prompt ends by itself and nobody collects it.
    }
  }

  async function isQueued(url: string, promptId: string, signal: AbortSignal | undefined): Promise<boolean> {
    const queue = await readJson<{ queue_running?: unknown[][]; queue_pending?: unknown[][] }>(
      url,
      '/queue',
      {},
      signal,
    );
    return [...(queue.queue_running ?? []), ...(queue.queue_pending ?? [])].some((entry) => entry[1] === promptId);
  }

  async function readHistory(url: string, promptId: string, signal: AbortSignal | undefined) {
    const history = await readJson<Record<string, HistoryEntry>>(
      url,
      `/history/${encodeURIComponent(promptId)}`,
      {},
      signal,
    );
    return history[promptId];
  }

  /** Follows a prompt to its end: over the socket while it is open, by polling `/history` otherwise. */
  function waitForEnd(
    url: string,
    promptId: string,
    socket: WebSocket | undefined,
    backlog: Backlog,
    onProgress: (fraction: number) => void,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let socketUp = socket?.readyState === SOCKET_OPEN;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket?.off('message', onMessage);
        socket?.off('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => finish(abortedProviderError(NAME, signal, signal?.reason));
      const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        // Binary frames are previews of the sampling; we only need the JSON events.
        if (isBinary) return;
        const message = safeJson(data.toString()) as { type?: string; data?: Record<string, unknown> } | undefined;
        const body = message?.data;
        if (!body || body.prompt_id !== promptId) return;
        if (
          message.type === 'progress' &&
          typeof body.value === 'number' &&
          typeof body.max === 'number' &&
          body.max > 0
        ) {
          onProgress(Math.min(1, body.value / body.max));
        } else if (message.type === 'executing' && body.node === null) {
          finish();
        } else if (message.type === 'execution_success') {
          finish();
        } else if (message.type === 'execution_error' || message.type === 'execution_interrupted') {
          finish(executionFailure(message.type, body));
        }
      };
      const onClose = () => {
        socketUp = false;
        schedule(0);
      };
      let failedPolls = 0;
      const poll = async () => {
        try {
          let entry = await readHistory(url, promptId, signal);
          if (!entry && !(await isQueued(url, promptId, signal))) {
            // Not queued, not running: ended just now, lost with a restart of the instance, or
            // deleted from the queue by a cancel from another process (the socket says nothing then).
            entry = await readHistory(url, promptId, signal);
            if (!entry) return finish(lostPrompt(promptId));
          }
          if (settled) return;
          failedPolls = 0;
          const status = entry?.status;
          if (status?.status_str === 'success' || status?.completed === true) return finish();
          if (status?.status_str === 'error') {
            const [type, body] =
              status.messages?.find(([name]) => name === 'execution_error' || name === 'execution_interrupted') ?? [];
            return finish(executionFailure(type ?? 'execution_error', body ?? {}));
          }
        } catch (error) {
          if (settled) return;
          failedPolls += 1;
          const isBlip = error instanceof ProviderError && error.kind === 'transient' && !signal?.aborted;
          // A blip is polled through; an instance that stays unreachable gives the job back to the pool.
          if (!isBlip || failedPolls >= MAX_FAILED_POLLS) return finish(error);
        }
        schedule(socketUp ? POLL_WITH_SOCKET_MS : POLL_WITHOUT_SOCKET_MS);
      };
      function schedule(ms: number) {
        if (settled) return;
        clearTimeout(timer);
        timer = setTimeout(() => void poll(), ms);
      }
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      // Events that came while the prompt was being submitted first, then the live ones (all in this tick).
      socket?.off('message', backlog.record);
      for (const [data, isBinary] of backlog.messages.splice(0)) onMessage(data, isBinary);
      if (settled) return;
      socket?.on('message', onMessage);
      socket?.on('close', onClose);
      schedule(socketUp ? POLL_WITH_SOCKET_MS : 0);
    });
  }

  /** The images the prompt saved (`type: output`; previews are skipped), fetched through `/view`. */
  async function collect(url: string, promptId: string, signal: AbortSignal | undefined): Promise<Buffer[]> {
    const entry = await readHistory(url, promptId, signal);
    const refs = Object.entries(entry?.outputs ?? {})
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .flatMap(([, output]) => output.images ?? [])
      .filter((ref) => ref.type === 'output');
    const files: Buffer[] = [];
    for (const ref of refs) {
      const query = new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type });
      const response = await callOk(url, `/view?${query}`, {}, signal);
      files.push(Buffer.from(await response.arrayBuffer()));
    }
    return files;
  }

  /**
   * One prompt on one instance: socket first (so no event is missed), submit, tell `onSubmitted`
   * (which stores it; if that fails the prompt is cancelled, as nobody could find it again), follow, collect.
   */
  async function runOnce(
    url: string,
    graph: WorkflowGraph,
    onProgress: (fraction: number) => void,
    onSubmitted: (promptId: string) => Promise<void>,
    signal: AbortSignal | undefined,
    detach: AbortSignal | undefined,
  ): Promise<Buffer[]> {
    const clientId = randomUUID();
    const socket = await openSocket(instance(url), clientId);
    const backlog: Backlog = { messages: [], record: (data, isBinary) => backlog.messages.push([data, isBinary]) };
    socket?.on('message', backlog.record);
    try {
      const promptId = await submit(url, graph, clientId, signal);
      try {
        await onSubmitted(promptId);
      } catch (error) {
        await cancel(url, promptId);
        throw error;
      }
      try {
        await waitForEnd(url, promptId, socket, backlog, onProgress, signal);
      } catch (error) {
        if (signal?.aborted && !detach?.aborted) await cancel(url, promptId);
        throw error;
      }
      return await collect(url, promptId, signal);
    } finally {
      socket?.terminate();
    }
  }

  /**
   * Follows a prompt an earlier attempt submitted (its socket died with it, so by `/history`) and
   * collects its images; `undefined` when the instance no longer knows it (restarted meanwhile) or
   * it failed there (an execution error), so the run is submitted again as any retry would be.
   */
  async function follow(
    url: string,
    promptId: string,
    signal: AbortSignal | undefined,
    detach: AbortSignal | undefined,
  ): Promise<Buffer[] | undefined> {
    const backlog: Backlog = { messages: [], record: () => undefined };
    try {
      await waitForEnd(url, promptId, undefined, backlog, () => undefined, signal);
    } catch (error) {
      if (error instanceof ProviderError && error.reason === 'operation_failed' && !signal?.aborted) return undefined;
      if (signal?.aborted && !detach?.aborted) await cancel(url, promptId);
      throw error;
    }
    return collect(url, promptId, signal);
  }

  /**
   * Runs `job` on the instance it holds, then gives it back: idle after a job that ended, once its
   * queue is empty after an interrupt (so the next job never lands behind our cancelled prompt),
   * and at once, not idle, after a detach (our prompt runs on there for the worker that takes the
   * job over; a look finds it busy meanwhile).
   */
  async function runHeld<T>(
    held: HeldInstance,
    job: (url: string) => Promise<T>,
    signal: AbortSignal | undefined,
    detach: AbortSignal | undefined,
  ): Promise<T> {
    try {
      const result = await job(held.url);
      await held.release(true).catch(() => undefined);
      return result;
    } catch (error) {
      if (signal?.aborted && !detach?.aborted) void held.releaseWhenIdle();
      else await held.release(false).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Runs `task` on `url` itself, following a job an earlier attempt left running there (a worker
   * that died): it takes that instance's hold when it is free, so no new job is sent there while
   * ours runs; when it is held (the dead attempt's hold until it lapses, or another job's), the task
   * runs without a second hold rather than wait behind it (`isHeld` false: it may follow what runs
   * there, but must not send anything new).
   */
  async function resumeOn<T>(
    url: string,
    task: (url: string, isHeld: boolean) => Promise<T>,
    signal: AbortSignal | undefined,
    detach: AbortSignal | undefined,
  ): Promise<T> {
    signal?.throwIfAborted();
    const held = await pool.holdIfFree(url);
    if (!held) return await task(url, false);
    return await runHeld(held, (heldUrl) => task(heldUrl, true), signal, detach);
  }

  /** Runs `job` on a free instance that answers; one that went down under it hands it to the next, each at most once. */
  async function runOnInstances<T>(
    job: (url: string) => Promise<T>,
    signal: AbortSignal | undefined,
    detach?: AbortSignal,
  ): Promise<T> {
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await runHeld(await pool.acquire(signal), job, signal, detach);
        } catch (error) {
          if (!(error instanceof ProviderError && instanceDown.has(error)) || attempt >= options.urls.length)
            throw error;
        }
      }
    } catch (error) {
      throw asProviderError(error, signal);
    }
  }

  /** What a job's run threw, as the `ProviderError` the router acts on. */
  function asProviderError(error: unknown, signal: AbortSignal | undefined): ProviderError {
    if (error instanceof ProviderError) return error;
    if (error instanceof NoHealthyInstanceError) {
      return new ProviderError(NAME, 'transient', error.message, { cause: error, reason: 'server_error' });
    }
    if (signal?.aborted) return abortedProviderError(NAME, signal, error);
    return new ProviderError(NAME, 'transient', `${NAME}: ${String(error)}`, { cause: error });
  }

  return {
    name: NAME,
    capabilities: {
      models: options.models.map((model) => model.name),
      canEdit: options.models.some((model) => model.editWorkflow !== undefined),
      maxCount: MAX_COUNT,
    },
    async readProgress({ jobKey }: ProgressQuery): Promise<ImageProgress | undefined> {
      const fraction = progress.get(jobKey);
      return fraction === undefined ? undefined : { fraction };
    },
    async generateImages(request: ImageRequest): Promise<MediaFile[]> {
      if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_COUNT) {
        throw new ProviderError(NAME, 'invalid', `${NAME}: makes 1 to ${MAX_COUNT} images, not ${request.count}`);
      }
      const model = options.models.find((candidate) => candidate.name === request.model) ?? defaultModel;
      const workflow = request.inputImage ? model.editWorkflow : model.workflow;
      if (!workflow) throw new ProviderError(NAME, 'invalid', `${NAME}: model ${model.name} has no edit workflow`);
      const signal = request.signal;
      const { width, height } = sizeOf(request.aspectRatio, request.quality);
      const resumed = parseJobHandle(request.resume, instances);
      const seed = resumed?.seed ?? request.seed ?? randomInt(0, 2 ** 31);
      const batched = workflow.placeholders.has('batch_size');
      const runs = batched ? 1 : request.count;
      const report = (done: number, fraction: number) => {
        if (request.jobKey !== undefined) progress.set(request.jobKey, (done + fraction) / runs);
      };
      const job = async (url: string, earlier: readonly string[] = [], mayStart = true): Promise<MediaFile[]> => {
        // The prompts of this job on `url`, run by run, as stored through `onStarted`.
        const prompts: string[] = [];
        const started = async (run: number, promptId: string) => {
          prompts.splice(run, prompts.length - run, promptId);
          const handle: ComfyJobHandle = { url, seed, prompts };
          await request.onStarted?.(JSON.stringify(handle));
        };
        let inputImage: string | undefined;
        const files: MediaFile[] = [];
        for (let run = 0; run < runs; run += 1) {
          const runSeed = seed + run;
          const known = earlier[run];
          const followed = known === undefined ? undefined : await follow(url, known, signal, request.detach);
          if (followed) {
            prompts[run] = known as string;
            for (const bytes of followed) files.push(toMediaFile(bytes, runSeed));
            continue;
          }
          // Not begun, or lost with a restart of the instance: submitted (again) once, but only
          // where we hold the instance's lease (else it goes to the pool as a new job).
          if (!mayStart) throw new InstanceNotHeldError();
          if (request.inputImage && inputImage === undefined)
            inputImage = await upload(url, request.inputImage, signal);
          const graph = fillComfyWorkflow(workflow, {
            prompt: request.prompt,
            negative_prompt: [request.negativePrompt, options.negativePrompt].filter(Boolean).join(', '),
            seed: runSeed,
            width,
            height,
            batch_size: batched ? request.count : 1,
            ...(inputImage === undefined
              ? {}
              : { input_image: inputImage, denoise: request.strength ?? DEFAULT_EDIT_DENOISE }),
          });
          // Before the first progress event nothing is known yet: no made-up 0%.
          if (run > 0) report(run, 0);
          const images = await runOnce(
            url,
            graph,
            (fraction) => report(run, fraction),
            (promptId) => started(run, promptId),
            signal,
            request.detach,
          );
          for (const bytes of images) files.push(toMediaFile(bytes, runSeed));
        }
        if (files.length < request.count) {
          throw new ProviderError(NAME, 'transient', `${NAME}: made ${files.length} of ${request.count} images`, {
            reason: 'operation_failed',
          });
        }
        return files.slice(0, request.count);
      };
      try {
        if (resumed) {
          try {
            return await resumeOn(
              resumed.url,
              (url, isHeld) => job(url, resumed.prompts, isHeld),
              signal,
              request.detach,
            );
          } catch (error) {
            // The instance went down with our prompt on it, or lost it while another job holds it:
            // the job goes back to the pool as a fresh one.
            const isStartAfresh =
              error instanceof InstanceNotHeldError || (error instanceof ProviderError && instanceDown.has(error));
            if (!isStartAfresh) throw asProviderError(error, signal);
          }
        }
        return await runOnInstances(job, signal, request.detach);
      } finally {
        if (request.jobKey !== undefined) progress.delete(request.jobKey);
      }
    },
    async cancelImages(handle) {
      const job = parseJobHandle(handle, instances);
      // Earlier runs have ended; only the last prompt can still be queued or running.
      const last = job?.prompts.at(-1);
      if (job && last !== undefined) await cancel(job.url, last);
    },
    async upscaleImage(request: UpscaleRequest): Promise<MediaFile> {
      const model = options.models.find((candidate) => candidate.name === request.model) ?? defaultModel;
      const workflow = model.upscaleWorkflow;
      if (!workflow) throw new ProviderError(NAME, 'invalid', `${NAME}: model ${model.name} has no upscale workflow`);
      const size = readImageSize(request.image.bytes);
      if (!size) throw new ProviderError(NAME, 'invalid', `${NAME}: the picture to upscale has no readable size`);
      const signal = request.signal;
      const job = async (url: string): Promise<MediaFile> => {
        const inputImage = await upload(url, request.image, signal);
        const graph = fillComfyWorkflow(workflow, {
          input_image: inputImage,
          width: Math.round(size.width * request.scale),
          height: Math.round(size.height * request.scale),
        });
        const [bytes] = await runOnce(
          url,
          graph,
          () => undefined,
          async () => undefined,
          signal,
          undefined,
        );
        if (!bytes) {
          throw new ProviderError(NAME, 'transient', `${NAME}: the upscale workflow saved no image`, {
            reason: 'operation_failed',
          });
        }
        return toMediaFile(bytes, undefined);
      };
      return await runOnInstances(job, signal);
    },
  };
}

/** A resumed job must submit anew on an instance whose lease it does not hold. */
class InstanceNotHeldError extends Error {}

/** What `onStarted` stores for a ComfyUI job: the instance, the seed of its first run, and the prompt of each run begun. */
type ComfyJobHandle = { url: string; seed: number; prompts: string[] };

/** A stored handle of this provider's, or `undefined` for garbage or an instance no longer configured. */
function parseJobHandle(
  text: string | undefined,
  instances: ReadonlyMap<string, Instance>,
): ComfyJobHandle | undefined {
  if (text === undefined) return undefined;
  const value = safeJson(text) as Partial<ComfyJobHandle> | undefined;
  if (
    typeof value?.url !== 'string' ||
    !instances.has(value.url) ||
    !Number.isInteger(value.seed) ||
    !Array.isArray(value.prompts) ||
    !value.prompts.every((id) => typeof id === 'string')
  )
    return undefined;
  return { url: value.url, seed: value.seed as number, prompts: value.prompts };
}

/** Socket messages received before the prompt's id was known. */
type Backlog = {
  messages: Array<[WebSocket.RawData, boolean]>;
  record: (data: WebSocket.RawData, isBinary: boolean) => void;
};

/** An instance's base URL without credentials, and the Basic auth header they make (fetch refuses URLs with credentials). */
type Instance = { base: URL; authorization: string | undefined };

function parseInstance(url: string): Instance {
  const base = new URL(url.endsWith('/') ? url : `${url}/`);
  const authorization = base.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`
    : undefined;
  base.username = '';
  base.password = '';
  return { base, authorization };
}

/** `WebSocket.OPEN`, without importing ws where no ComfyUI run happens. */
const SOCKET_OPEN = 1;

/**
 * Opens `/ws?clientId=`; `undefined` when it does not open in time (the run then polls `/history`).
 * ws is imported with the first run: processes that never call ComfyUI (bots, web) do not load it.
 */
async function openSocket(instance: Instance, clientId: string): Promise<WebSocket | undefined> {
  const { default: WebSocket } = await import('ws');
  const url = new URL(`ws?clientId=${encodeURIComponent(clientId)}`, instance.base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return new Promise((resolve) => {
    const socket = new WebSocket(url, {
      handshakeTimeout: SOCKET_OPEN_TIMEOUT_MS,
      ...(instance.authorization ? { headers: { authorization: instance.authorization } } : {}),
    });
    const fail = () => {
      socket.removeAllListeners();
      // Keep a late error from becoming an unhandled 'error' event.
      socket.on('error', () => undefined);
      socket.terminate();
      resolve(undefined);
    };
    socket.once('open', () => {
      socket.off('error', fail);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', fail);
  });
}

function toMediaFile(bytes: Buffer, seed: number | undefined): MediaFile {
  const size = readImageSize(bytes);
  const mime =
    bytes[0] === 0xff ? 'image/jpeg' : bytes.toString('latin1', 0, 4) === 'RIFF' ? 'image/webp' : 'image/png';
  return { bytes, mime, ...(seed === undefined ? {} : { seed }), ...(size ?? {}) };
}

function lostPrompt(promptId: string): ProviderError {
  return new ProviderError(NAME, 'transient', `${NAME}: prompt ${promptId} is neither queued nor in the history`, {
    reason: 'operation_failed',
  });
}

function executionFailure(type: string, body: Record<string, unknown>): ProviderError {
  const detail =
    type === 'execution_interrupted'
      ? 'the prompt was interrupted on the instance'
      : `node ${String(body.node_type ?? body.node_id ?? '?')} failed: ${String(body.exception_message ?? 'unknown error')}`;
  return new ProviderError(NAME, 'transient', `${NAME}: ${detail}`, { reason: 'operation_failed' });
}

/** ComfyUI's 400 names the problem in `error.message` and per node in `node_errors`. */
function summarizeRefusal(text: string): string {
  const answer = safeJson(text) as
    | {
        error?: { message?: string } | string;
        node_errors?: Record<string, { class_type?: string; errors?: Array<{ message?: string; details?: string }> }>;
      }
    | undefined;
  const main = typeof answer?.error === 'string' ? answer.error : (answer?.error?.message ?? text.slice(0, 200));
  const nodes = Object.entries(answer?.node_errors ?? {}).map(
    ([id, node]) =>
      `node ${id} (${node.class_type ?? '?'}): ${(node.errors ?? []).map((e) => `${e.message ?? ''} ${e.details ?? ''}`.trim()).join('; ')}`,
  );
  return [main, ...nodes].join(' | ');
}

function describeFailure(path: string, status: number, text: string): string {
  return `${NAME}: ${path.split('?')[0]} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
