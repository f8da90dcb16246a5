import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { imageSize } from '#tests/fakes/fake-http';
import {
  FakeHttpServer,
  type FakeReply,
  type FakeServerOptions,
  type MultipartBody,
  type RecordedRequest,
} from '#tests/fakes/http-recorder';
import { colorForText, makePng, readPng, type Rgba } from '#tests/fakes/test-png';

/** One node of a ComfyUI workflow in API format (what "Save (API Format)" writes). */
type ApiNode = { class_type: string; inputs: Record<string, unknown>; _meta?: { title?: string } };
type ApiGraph = Record<string, ApiNode>;

/** An image reference as ComfyUI's history and `executed` messages carry it. */
export type ComfyImageRef = { filename: string; subfolder: string; type: 'output' | 'temp' | 'input' };

/** A prompt as the fake holds it, from `POST /prompt` to its history entry. */
export type FakeComfyPrompt = {
  id: string;
  number: number;
  graph: ApiGraph;
  clientId: string | undefined;
  state: 'pending' | 'running' | 'success' | 'error' | 'interrupted';
  outputs: Record<string, { images: ComfyImageRef[] }>;
  messages: Array<[string, Record<string, unknown>]>;
};

/** Options of {@link FakeComfyUiApi}. */
export type FakeComfyUiOptions = FakeServerOptions & {
  /** Sampler steps each prompt reports over the WebSocket; default 4. */
  steps?: number;
  /** Time per sampler step, in milliseconds; default 20. */
  stepMs?: number;
  /** Files in `models/upscale_models` (`UpscaleModelLoader`); default RealESRGAN x4plus and x2plus. */
  upscaleModels?: string[];
};

/** The nodes the fake knows; others are refused the way ComfyUI refuses a missing custom node. */
const KNOWN_NODES: ReadonlySet<string> = new Set([
  'CheckpointLoaderSimple',
  'CLIPTextEncode',
  'EmptyLatentImage',
  'KSampler',
  'VAEDecode',
  'VAEEncode',
  'LoadImage',
  'SaveImage',
  'PreviewImage',
  'UpscaleModelLoader',
  'ImageUpscaleWithModel',
  'ImageScale',
  'ImageScaleBy',
]);
const OUTPUT_NODES: ReadonlySet<string> = new Set(['SaveImage', 'PreviewImage']);
const NUMERIC_INPUTS: Readonly<Record<string, readonly string[]>> = {
  EmptyLatentImage: ['width', 'height', 'batch_size'],
  KSampler: ['seed', 'steps', 'cfg', 'denoise'],
  ImageScale: ['width', 'height'],
  ImageScaleBy: ['scale_by'],
};
/** The `upscale_method` values ComfyUI's scale nodes list. */
const UPSCALE_METHODS: readonly string[] = ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos'];
/** Files in `models/upscale_models` unless the options name others. */
const DEFAULT_UPSCALE_MODELS = ['RealESRGAN_x4plus.pth', 'RealESRGAN_x2plus.pth'];

/**
 * A local ComfyUI (github.com/comfyanonymous/ComfyUI, `server.py`) over real HTTP and WebSocket:
 * `POST /prompt` validates an API-format graph (nodes with `class_type` and `inputs`, links as
 * `[node, output]`, an output node, numbers where ComfyUI wants numbers, uploaded images that
 * exist) and queues it; one prompt runs at a time, reporting `status`, `execution_start`,
 * `executing`, `progress`, `executed`, `execution_success` (or `execution_error`,
 * `execution_interrupted`) to the socket of its `client_id`; `GET /history/{id}`, `GET /view`,
 * `POST /upload/image`, `POST /interrupt`, `GET|POST /queue` and `GET /system_stats` answer as
 * ComfyUI does. The saved images are real PNGs, worked out by following the graph from each
 * output node back to its source the way ComfyUI executes it: a sampler's latent (an
 * `EmptyLatentImage` size, or the encoded picture's) decodes to a picture coloured by its positive
 * prompt ({@link colorForText}); `LoadImage` gives the uploaded picture; `ImageUpscaleWithModel`
 * multiplies its size by the model's factor (`x4` in `RealESRGAN_x4plus.pth`), `ImageScaleBy` by
 * `scale_by`, `ImageScale` sets it (0 keeps the aspect ratio); a picture keeps its colour through
 * the scale nodes.
 */
export class FakeComfyUiApi extends FakeHttpServer {
  /** Every prompt received, by id, oldest first. */
  readonly prompts = new Map<string, FakeComfyPrompt>();
  /** Images received through `/upload/image`, by name. */
  readonly uploads = new Map<string, Buffer>();
  /** Ids named in `POST /queue {delete}` that were pending and removed. */
  readonly deleted: string[] = [];
  /** `POST /interrupt` calls, with the prompt that was running then (if any). */
  readonly interrupts: Array<{ running: string | undefined }> = [];
  /** The `Authorization` header of each WebSocket handshake, in order. */
  readonly socketAuthorizations: Array<string | undefined> = [];
  /** Files in `models/upscale_models`; a test may take one away, as an operator deleting it would. */
  upscaleModels: string[];
  /** Most prompts queued or running at once. */
  peakQueued = 0;
  steps: number;
  stepMs: number;

  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<string, WebSocket>();
  private readonly outputs = new Map<string, Buffer>();
  private readonly pending: FakeComfyPrompt[] = [];
  private running: FakeComfyPrompt | undefined;
  private interruptRequested = false;
  private healthy = true;
  private failNextRunWith: string | undefined;
  private dropSocketsOnNextRun = false;
  private fileCounter = 0;
  private number = 0;

  private constructor(options: FakeComfyUiOptions) {
    super(options);
    this.steps = options.steps ?? 4;
    this.stepMs = options.stepMs ?? 20;
    this.upscaleModels = [...(options.upscaleModels ?? DEFAULT_UPSCALE_MODELS)];
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  /** Starts a fake on a free port. */
  static async start(options: FakeComfyUiOptions = {}): Promise<FakeComfyUiApi> {
    const fake = new FakeComfyUiApi(options);
    await fake.listen();
    return fake;
  }

  /** Unhealthy: every HTTP request is answered 503 and sockets are refused and closed, as a proxy in front of a dead ComfyUI would. */
  setHealthy(healthy: boolean): void {
    this.healthy = healthy;
    if (!healthy) for (const socket of this.sockets.values()) socket.terminate();
  }

  /** The next prompt to run fails in its sampler with `message` (`execution_error`). */
  failNextRun(message: string): void {
    this.failNextRunWith = message;
  }

  /** During the next prompt's run, every WebSocket is closed after the first progress message. */
  dropSocketsDuringNextRun(): void {
    this.dropSocketsOnNextRun = true;
  }

  /** Restarts the instance: queue, running prompt, history, outputs and sockets are gone, as after a ComfyUI restart. */
  restart(): void {
    this.pending.splice(0);
    this.prompts.clear();
    this.outputs.clear();
    for (const socket of this.sockets.values()) socket.terminate();
  }

  /** Clients connected over the WebSocket now. */
  get socketCount(): number {
    return this.sockets.size;
  }

  /** Resolves once the prompt `id` has ended (any state but pending and running). */
  async waitForEnd(id: string, timeoutMs = 5_000): Promise<FakeComfyPrompt> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const prompt = this.prompts.get(id);
      if (prompt && prompt.state !== 'pending' && prompt.state !== 'running') return prompt;
      if (Date.now() > until) throw new Error(`prompt ${id} did not end within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  protected errorBody(status: number, message: string): unknown {
    return { error: { type: 'server_error', message, details: '', extra_info: {} }, node_errors: {}, status };
  }

  protected override async beforeClose(): Promise<void> {
    for (const socket of this.sockets.values()) socket.terminate();
    this.wss.close();
  }

  protected handle(request: RecordedRequest): FakeReply {
    if (!this.healthy) return { status: 503, body: '503 Service Unavailable' };
    const { method, path } = request;
    if (method === 'GET' && path === '/system_stats') return { status: 200, body: systemStats() };
    if (method === 'POST' && path === '/prompt') return this.submit(request.body);
    if (method === 'GET' && path === '/queue') return { status: 200, body: this.queueBody() };
    if (method === 'POST' && path === '/queue') return this.editQueue(request.body);
    if (method === 'POST' && path === '/interrupt') return this.interrupt(request.body);
    if (method === 'GET' && path.startsWith('/history/')) return this.history(decodeURIComponent(path.slice(9)));
    if (method === 'GET' && path === '/view') return this.view(request.query);
    if (method === 'POST' && path === '/upload/image') return this.upload(request.body);
    return { status: 404, body: '404: Not Found' };
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (!this.healthy || url.pathname !== '/ws') {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    this.socketAuthorizations.push(req.headers.authorization);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const sid = url.searchParams.get('clientId') || randomUUID().replace(/-/g, '');
      this.sockets.get(sid)?.terminate();
      this.sockets.set(sid, ws);
      ws.on('close', () => {
        if (this.sockets.get(sid) === ws) this.sockets.delete(sid);
      });
      this.sendTo(sid, 'status', { status: { exec_info: { queue_remaining: this.remaining() } }, sid });
    });
  }

  private sendTo(clientId: string | undefined, type: string, data: Record<string, unknown>): void {
    const socket = clientId === undefined ? undefined : this.sockets.get(clientId);
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type, data }));
  }

  private broadcastStatus(): void {
    for (const sid of this.sockets.keys())
      this.sendTo(sid, 'status', { status: { exec_info: { queue_remaining: this.remaining() } } });
  }

  private remaining(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  private submit(body: unknown): FakeReply {
    const json = (body ?? {}) as { prompt?: unknown; client_id?: unknown };
    if (json.prompt === undefined) return { status: 400, body: { error: 'no prompt', node_errors: [] } };
    const checked = this.validate(json.prompt);
    if (!checked.ok) return { status: 400, body: { error: checked.error, node_errors: checked.nodeErrors } };
    this.number += 1;
    const prompt: FakeComfyPrompt = {
      id: randomUUID(),
      number: this.number,
      graph: json.prompt as ApiGraph,
      clientId: typeof json.client_id === 'string' ? json.client_id : undefined,
      state: 'pending',
      outputs: {},
      messages: [],
    };
    this.prompts.set(prompt.id, prompt);
    this.pending.push(prompt);
    this.peakQueued = Math.max(this.peakQueued, this.remaining());
    this.broadcastStatus();
    this.pump();
    return { status: 200, body: { prompt_id: prompt.id, number: prompt.number, node_errors: {} } };
  }

  /** ComfyUI's `validate_prompt`: the graph's shape, its links, an output node and each input's type. */
  private validate(
    graph: unknown,
  ): { ok: true } | { ok: false; error: Record<string, unknown>; nodeErrors: Record<string, unknown> } {
    const fail = (type: string, message: string, details = '') => ({
      ok: false as const,
      error: { type, message, details, extra_info: {} },
      nodeErrors: {},
    });
    if (typeof graph !== 'object' || graph === null || Array.isArray(graph)) {
      return fail('invalid_prompt', 'Invalid prompt: not an object of nodes');
    }
    const nodes = graph as Record<string, unknown>;
    for (const [id, node] of Object.entries(nodes)) {
      const candidate = node as Partial<ApiNode> | null;
      if (typeof candidate !== 'object' || candidate === null || typeof candidate.class_type !== 'string') {
        return fail(
          'invalid_prompt',
          `Cannot execute because a node is missing the class_type property.`,
          `Node ID '#${id}'`,
        );
      }
      if (typeof candidate.inputs !== 'object' || candidate.inputs === null) {
        return fail('invalid_prompt', `Node ${id} has no inputs`, `Node ID '#${id}'`);
      }
      if (!KNOWN_NODES.has(candidate.class_type)) {
        return fail(
          'missing_node_type',
          `Node '${candidate.class_type}' not found. The custom node may not be installed.`,
        );
      }
    }
    if (!Object.values(nodes).some((node) => OUTPUT_NODES.has((node as ApiNode).class_type))) {
      return fail('prompt_no_outputs', 'Prompt has no outputs');
    }
    const nodeErrors: Record<string, unknown> = {};
    for (const [id, node] of Object.entries(nodes as ApiGraph)) {
      const errors: Array<Record<string, unknown>> = [];
      for (const [name, value] of Object.entries(node.inputs)) {
        if (Array.isArray(value) && (typeof value[0] !== 'string' || !(value[0] in nodes))) {
          errors.push(inputError('exception_during_inner_validation', 'Link to a missing node', name));
        }
        if (NUMERIC_INPUTS[node.class_type]?.includes(name) && typeof value !== 'number' && !Array.isArray(value)) {
          errors.push(inputError('invalid_input_type', `Failed to convert an input value to a number`, name, value));
        }
        if (typeof value === 'string' && /\{\{\w+\}\}/.test(value)) {
          errors.push(inputError('value_not_in_list', 'Value not in list: an unfilled placeholder', name, value));
        }
      }
      if (
        ['ImageScale', 'ImageScaleBy'].includes(node.class_type) &&
        !UPSCALE_METHODS.includes(String(node.inputs.upscale_method))
      ) {
        errors.push(inputError('value_not_in_list', 'Value not in list', 'upscale_method', node.inputs.upscale_method));
      }
      if (node.class_type === 'UpscaleModelLoader' && !this.upscaleModels.includes(String(node.inputs.model_name))) {
        errors.push(inputError('value_not_in_list', 'Value not in list', 'model_name', node.inputs.model_name));
      }
      if (node.class_type === 'LoadImage' && !this.uploads.has(String(node.inputs.image))) {
        errors.push(
          inputError('custom_validation_failed', `Invalid image file: ${String(node.inputs.image)}`, 'image'),
        );
      }
      if (errors.length > 0) nodeErrors[id] = { errors, dependent_outputs: [], class_type: node.class_type };
    }
    if (Object.keys(nodeErrors).length > 0) {
      return {
        ok: false,
        error: {
          type: 'prompt_outputs_failed_validation',
          message: 'Prompt outputs failed validation',
          details: '',
          extra_info: {},
        },
        nodeErrors,
      };
    }
    return { ok: true };
  }

  private queueBody(): Record<string, unknown> {
    const entry = (prompt: FakeComfyPrompt) => [
      prompt.number,
      prompt.id,
      prompt.graph,
      { client_id: prompt.clientId },
      outputNodeIds(prompt.graph),
    ];
    return {
      queue_running: this.running ? [entry(this.running)] : [],
      queue_pending: this.pending.map(entry),
    };
  }

  private editQueue(body: unknown): FakeReply {
    const json = (body ?? {}) as { delete?: unknown; clear?: unknown };
    const ids = Array.isArray(json.delete) ? json.delete.map(String) : [];
    for (let index = this.pending.length - 1; index >= 0; index -= 1) {
      const prompt = this.pending[index] as FakeComfyPrompt;
      if (json.clear === true || ids.includes(prompt.id)) {
        this.pending.splice(index, 1);
        this.prompts.delete(prompt.id);
        this.deleted.push(prompt.id);
      }
    }
    this.broadcastStatus();
    return { status: 200 };
  }

  private interrupt(body: unknown): FakeReply {
    const wanted = (body as { prompt_id?: unknown } | undefined)?.prompt_id;
    this.interrupts.push({ running: this.running?.id });
    // Newer ComfyUI interrupts only the named prompt when one is given.
    if (this.running && (wanted === undefined || wanted === this.running.id)) this.interruptRequested = true;
    return { status: 200 };
  }

  private history(id: string): FakeReply {
    const prompt = this.prompts.get(id);
    if (!prompt || prompt.state === 'pending' || prompt.state === 'running') return { status: 200, body: {} };
    return {
      status: 200,
      body: {
        [id]: {
          prompt: [prompt.number, prompt.id, prompt.graph, { client_id: prompt.clientId }, outputNodeIds(prompt.graph)],
          outputs: prompt.outputs,
          status: {
            status_str: prompt.state === 'success' ? 'success' : 'error',
            completed: prompt.state === 'success',
            messages: prompt.messages,
          },
          meta: {},
        },
      },
    };
  }

  private view(query: Record<string, unknown>): FakeReply {
    const filename = String(query.filename ?? '');
    const type = String(query.type ?? 'output');
    const subfolder = String(query.subfolder ?? '');
    if (filename === '' || filename.startsWith('/') || filename.includes('..')) return { status: 400 };
    const bytes = type === 'input' ? this.uploads.get(filename) : this.outputs.get(`${type}/${subfolder}/${filename}`);
    if (!bytes) return { status: 404 };
    return {
      status: 200,
      body: bytes,
      headers: { 'content-type': 'image/png', 'content-disposition': `filename="${filename}"` },
    };
  }

  private upload(body: unknown): FakeReply {
    const multipart = body as MultipartBody | undefined;
    const file = multipart?.files?.find((candidate) => candidate.field === 'image');
    if (!file || file.filename === '') return { status: 400 };
    const field = (name: string) => {
      const value = multipart?.fields[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const overwrite = field('overwrite') === 'true' || field('overwrite') === '1';
    let name = file.filename;
    const dot = name.lastIndexOf('.');
    for (
      let index = 1;
      !overwrite && this.uploads.has(name) && !this.uploads.get(name)?.equals(file.data);
      index += 1
    ) {
      name =
        dot > 0
          ? `${file.filename.slice(0, dot)} (${index})${file.filename.slice(dot)}`
          : `${file.filename} (${index})`;
    }
    this.uploads.set(name, file.data);
    return { status: 200, body: { name, subfolder: field('subfolder') ?? '', type: field('type') ?? 'input' } };
  }

  private pump(): void {
    if (this.running) return;
    const next = this.pending.shift();
    if (!next) return;
    this.running = next;
    next.state = 'running';
    void this.run(next).finally(() => {
      this.running = undefined;
      this.interruptRequested = false;
      this.broadcastStatus();
      this.pump();
    });
  }

  private async run(prompt: FakeComfyPrompt): Promise<void> {
    const send = (type: string, data: Record<string, unknown>) => {
      const message = { ...data, prompt_id: prompt.id };
      if (type.startsWith('execution_')) prompt.messages.push([type, { ...message, timestamp: Date.now() }]);
      this.sendTo(prompt.clientId, type, message);
    };
    const failure = this.failNextRunWith;
    this.failNextRunWith = undefined;
    const dropSockets = this.dropSocketsOnNextRun;
    this.dropSocketsOnNextRun = false;
    send('execution_start', { timestamp: Date.now() });
    send('execution_cached', { nodes: [], timestamp: Date.now() });
    const executed: string[] = [];
    for (const [id, node] of Object.entries(prompt.graph)) {
      send('executing', { node: id, display_node: id });
      if (node.class_type === 'KSampler') {
        for (let step = 1; step <= this.steps; step += 1) {
          await this.sleep(this.stepMs);
          if (!this.prompts.has(prompt.id)) return; // the instance restarted under it
          if (this.interruptRequested) {
            prompt.state = 'interrupted';
            send('execution_interrupted', { node_id: id, node_type: node.class_type, executed });
            return;
          }
          if (failure) {
            prompt.state = 'error';
            send('execution_error', {
              node_id: id,
              node_type: node.class_type,
              executed,
              exception_message: failure,
              exception_type: 'RuntimeError',
              traceback: [],
              current_inputs: {},
              current_outputs: {},
            });
            return;
          }
          send('progress', { value: step, max: this.steps, node: id });
          if (dropSockets && step === 1) for (const socket of this.sockets.values()) socket.terminate();
        }
      }
      if (OUTPUT_NODES.has(node.class_type)) {
        let images: ComfyImageRef[];
        try {
          images = this.saveImages(prompt.graph, node);
        } catch (error) {
          prompt.state = 'error';
          send('execution_error', {
            node_id: id,
            node_type: node.class_type,
            executed,
            exception_message: (error as Error).message,
            exception_type: 'RuntimeError',
            traceback: [],
            current_inputs: {},
            current_outputs: {},
          });
          return;
        }
        prompt.outputs[id] = { images };
        send('executed', { node: id, display_node: id, output: { images } });
      }
      executed.push(id);
    }
    prompt.state = 'success';
    send('executing', { node: null });
    send('execution_success', { timestamp: Date.now() });
  }

  /** Renders the images an output node saves: what its `images` input evaluates to, one PNG per picture of the batch. */
  private saveImages(graph: ApiGraph, output: ApiNode): ComfyImageRef[] {
    const { width, height, count, color } = this.evaluate(graph, output.inputs.images);
    const type = output.class_type === 'SaveImage' ? 'output' : 'temp';
    const prefix = String(output.inputs.filename_prefix ?? 'ComfyUI');
    const refs: ComfyImageRef[] = [];
    for (let index = 0; index < count; index += 1) {
      this.fileCounter += 1;
      const filename = `${prefix}_${String(this.fileCounter).padStart(5, '0')}_.png`;
      this.outputs.set(`${type}//${filename}`, makePng(width, height, color));
      refs.push({ filename, subfolder: '', type });
    }
    return refs;
  }

  /**
   * What a link `[node, output]` carries, as ComfyUI would compute it: a batch of pictures (or
   * latents, in pixels) of one size and colour, or an upscale model's factor. Throws on a node
   * the fake cannot follow, which fails the prompt as an execution error would.
   */
  private evaluate(graph: ApiGraph, link: unknown): Pictures {
    const node = Array.isArray(link) ? graph[String(link[0])] : undefined;
    if (!node) throw new Error(`no node behind ${JSON.stringify(link)}`);
    const { inputs } = node;
    switch (node.class_type) {
      case 'EmptyLatentImage':
        return {
          width: Number(inputs.width),
          height: Number(inputs.height),
          count: Number(inputs.batch_size ?? 1),
          color: [0, 0, 0, 255],
        };
      case 'LoadImage': {
        const bytes = this.uploads.get(String(inputs.image)) ?? Buffer.alloc(0);
        const size = imageSize(bytes) ?? { width: 512, height: 512 };
        let color: Rgba = [128, 128, 128, 255];
        try {
          color = readPng(bytes).topLeft;
        } catch {
          // A JPEG or WebP upload keeps its size; its colour does not matter to any test.
        }
        return { ...size, count: 1, color };
      }
      case 'VAEEncode':
        return this.evaluate(graph, inputs.pixels);
      case 'KSampler':
        return {
          ...this.evaluate(graph, inputs.latent_image),
          color: colorForText(encoderText(graph, inputs.positive)),
        };
      case 'VAEDecode':
        return this.evaluate(graph, inputs.samples);
      case 'UpscaleModelLoader': {
        const factor = /(?:^|[^0-9])([1-8])x|x([1-8])(?:[^0-9]|$)/i.exec(String(inputs.model_name));
        return { width: 0, height: 0, count: 0, color: [0, 0, 0, 0], factor: Number(factor?.[1] ?? factor?.[2] ?? 4) };
      }
      case 'ImageUpscaleWithModel': {
        const factor = this.evaluate(graph, inputs.upscale_model).factor ?? 1;
        const image = this.evaluate(graph, inputs.image);
        return { ...image, width: image.width * factor, height: image.height * factor };
      }
      case 'ImageScaleBy': {
        const image = this.evaluate(graph, inputs.image);
        const scale = Number(inputs.scale_by);
        return { ...image, width: Math.round(image.width * scale), height: Math.round(image.height * scale) };
      }
      case 'ImageScale': {
        const image = this.evaluate(graph, inputs.image);
        let width = Number(inputs.width);
        let height = Number(inputs.height);
        if (width === 0 && height === 0) return image;
        if (width === 0) width = Math.round((image.width * height) / image.height);
        if (height === 0) height = Math.round((image.height * width) / image.width);
        return { ...image, width, height };
      }
      default:
        throw new Error(`the fake cannot run ${node.class_type}`);
    }
  }
}

/** What flows along a link in {@link FakeComfyUiApi}: pictures, or an upscale model's `factor`. */
type Pictures = { width: number; height: number; count: number; color: Rgba; factor?: number };

function inputError(type: string, message: string, name: string, value?: unknown): Record<string, unknown> {
  return { type, message, details: `${name}, ${JSON.stringify(value)}`, extra_info: { input_name: name } };
}

function outputNodeIds(graph: ApiGraph): string[] {
  return Object.entries(graph)
    .filter(([, node]) => OUTPUT_NODES.has(node.class_type))
    .map(([id]) => id);
}

/** The text of the encoder a sampler's `positive` input links to. */
function encoderText(graph: ApiGraph, link: unknown): string {
  const encoder = Array.isArray(link) ? graph[String(link[0])] : undefined;
  return String(encoder?.inputs.text ?? '');
}

function systemStats(): Record<string, unknown> {
  return {
    system: {
      os: 'posix',
      ram_total: 0,
      ram_free: 0,
      comfyui_version: 'fake',
      python_version: '3',
      embedded_python: false,
      argv: [],
    },
    devices: [
      { name: 'fake', type: 'cpu', index: null, vram_total: 0, vram_free: 0, torch_vram_total: 0, torch_vram_free: 0 },
    ],
  };
}
