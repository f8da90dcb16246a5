import { createHash, randomInt, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { fillComfyWorkflow, type ComfyWorkflow, type WorkflowGraph } from '#core/providers/comfyui/comfyui-workflow';
import { createInstancePool, NoHealthyInstanceError } from '#core/providers/instance-pool';
import { readImageSize } from '#core/providers/google/read-image-size';
import { abortedProviderError, kindForHttpStatus } from '#core/providers/map-provider-error';
import type { AspectRatio, ImageProvider, ImageRequest, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';

const NAME = 'comfyui';
const MAX_COUNT = 4;
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

/** A model served by ComfyUI: its name as users pick it, and the workflows that make it. */
export type ComfyUiModel = { name: string; workflow: ComfyWorkflow; editWorkflow?: ComfyWorkflow | undefined };

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

/** The ComfyUI provider, which also reports how far each running job is. */
export type ComfyUiImageProvider = ImageProvider & {
  /** The running job's progress, 0..100, by `ImageRequest.jobKey`; `undefined` when that job is not running here. */
  readProgress(jobKey: string): number | undefined;
};

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
      let socketUp = socket?.readyState === WebSocket.OPEN;
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
          if (!entry && !socketUp && !(await isQueued(url, promptId, signal))) {
            // Not queued, not running: ended just now, or lost with a restart of the instance.
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

  /** One prompt on one instance: socket first (so no event is missed), submit, follow, collect. */
  async function runOnce(
    url: string,
    graph: WorkflowGraph,
    onProgress: (fraction: number) => void,
    signal: AbortSignal | undefined,
  ): Promise<Buffer[]> {
    const clientId = randomUUID();
    const socket = await openSocket(instance(url), clientId);
    const backlog: Backlog = { messages: [], record: (data, isBinary) => backlog.messages.push([data, isBinary]) };
    socket?.on('message', backlog.record);
    try {
      const promptId = await submit(url, graph, clientId, signal);
      try {
        await waitForEnd(url, promptId, socket, backlog, onProgress, signal);
      } catch (error) {
        if (signal?.aborted) await cancel(url, promptId);
        throw error;
      }
      return await collect(url, promptId, signal);
    } finally {
      socket?.terminate();
    }
  }

  /**
   * Runs `job` on an instance of the pool. An interrupted one is given back once its queue is
   * empty, so the next job never lands behind our cancelled prompt.
   */
  async function runOnInstance<T>(job: (url: string) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const held = await pool.acquire(signal);
    try {
      const result = await job(held.url);
      await held.release(true).catch(() => undefined);
      return result;
    } catch (error) {
      if (signal?.aborted) void held.releaseWhenIdle();
      else await held.release(false).catch(() => undefined);
      throw error;
    }
  }

  return {
    name: NAME,
    capabilities: {
      models: options.models.map((model) => model.name),
      canEdit: options.models.some((model) => model.editWorkflow !== undefined),
      maxCount: MAX_COUNT,
    },
    readProgress(jobKey) {
      return progress.get(jobKey);
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
      const seed = request.seed ?? randomInt(0, 2 ** 31);
      const batched = workflow.placeholders.has('batch_size');
      const runs = batched ? 1 : request.count;
      const report = (done: number, fraction: number) => {
        if (request.jobKey !== undefined) progress.set(request.jobKey, Math.round(((done + fraction) / runs) * 100));
      };
      const job = async (url: string): Promise<MediaFile[]> => {
        const inputImage = request.inputImage ? await upload(url, request.inputImage, signal) : undefined;
        const files: MediaFile[] = [];
        for (let run = 0; run < runs; run += 1) {
          const runSeed = seed + run;
          const graph = fillComfyWorkflow(workflow, {
            prompt: request.prompt,
            negative_prompt: [request.negativePrompt, options.negativePrompt].filter(Boolean).join(', '),
            seed: runSeed,
            width,
            height,
            batch_size: batched ? request.count : 1,
            ...(inputImage === undefined ? {} : { input_image: inputImage }),
          });
          report(run, 0);
          const images = await runOnce(url, graph, (fraction) => report(run, fraction), signal);
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
        // An instance that went down under the job hands it to the next healthy one, each instance at most once.
        for (let attempt = 1; ; attempt += 1) {
          try {
            return await runOnInstance(job, signal);
          } catch (error) {
            if (!(error instanceof ProviderError && instanceDown.has(error)) || attempt >= options.urls.length)
              throw error;
          }
        }
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        if (error instanceof NoHealthyInstanceError) {
          throw new ProviderError(NAME, 'transient', error.message, { cause: error, reason: 'server_error' });
        }
        if (signal?.aborted) throw abortedProviderError(NAME, signal, error);
        throw new ProviderError(NAME, 'transient', `${NAME}: ${String(error)}`, { cause: error });
      } finally {
        if (request.jobKey !== undefined) progress.delete(request.jobKey);
      }
    },
  };
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

/** Opens `/ws?clientId=`; `undefined` when it does not open in time (the run then polls `/history`). */
function openSocket(instance: Instance, clientId: string): Promise<WebSocket | undefined> {
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

function toMediaFile(bytes: Buffer, seed: number): MediaFile {
  const size = readImageSize(bytes);
  const mime =
    bytes[0] === 0xff ? 'image/jpeg' : bytes.toString('latin1', 0, 4) === 'RIFF' ? 'image/webp' : 'image/png';
  return { bytes, mime, seed, ...(size ?? {}) };
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
