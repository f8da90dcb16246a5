import { randomInt } from 'node:crypto';
import { FakeHttpServer } from '#tests/fakes/http-recorder';
import type { FakeReply, FakeServerOptions, RecordedRequest } from '#tests/fakes/http-recorder';
import { colorForText, makeFlatPng, makePng, readPng } from '#tests/fakes/test-png';

/** One checkpoint as `GET /sdapi/v1/sd-models` lists it. */
export type FakeSdModel = { title: string; model_name: string; hash: string; sha256: string; filename: string };

/** Options of {@link FakeSdApi}. */
export type FakeSdApiOptions = FakeServerOptions & {
  /** How long one picture takes (batch_size × n_iter pictures per job; one per upscale). Default 0. */
  msPerImage?: number;
  /** When set, every route asks for HTTP basic auth with these credentials (`--api-auth user:password`). */
  auth?: { username: string; password: string };
  /** The checkpoints it has; default one SDXL base checkpoint. */
  models?: FakeSdModel[];
  /** The upscalers it knows besides `None`; default the stock ones. */
  upscalers?: string[];
};

/** One job the fake ran (txt2img, img2img or an upscale), for the tests' record. */
export type FakeSdJob = {
  kind: 'txt2img' | 'img2img' | 'upscale';
  startedAt: number;
  endedAt: number | undefined;
  /** The checkpoint the job ran on (`override_settings.sd_model_checkpoint`, else the loaded one). */
  checkpoint: string;
  images: number;
  /** `negative_prompt` as sent (empty when none). */
  negativePrompt: string;
  interrupted: boolean;
  /** The pictures it was given: img2img's `init_images`, an upscale's `image`. */
  inputs: Buffer[];
  /** img2img's `denoising_strength` as sent; undefined when none was. */
  denoisingStrength: number | undefined;
  /** An upscale's `upscaler_1` and `upscaling_resize` as sent. */
  upscaler?: string;
  upscalingResize?: number;
  /** The pictures it answered with. */
  outputs: Buffer[];
};

const DEFAULT_MODELS: FakeSdModel[] = [
  {
    title: 'sd_xl_base_1.0.safetensors [31e35c80fc]',
    model_name: 'sd_xl_base_1.0',
    hash: '31e35c80fc',
    sha256: '31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b',
    filename: '/models/Stable-diffusion/sd_xl_base_1.0.safetensors',
  },
];
const DEFAULT_UPSCALERS = ['Lanczos', 'Nearest', 'ESRGAN_4x', 'R-ESRGAN 4x+', 'R-ESRGAN 4x+ Anime6B'];
/** Progress steps per picture: how finely `GET /sdapi/v1/progress` moves. */
const STEPS_PER_IMAGE = 10;

/**
 * A local AUTOMATIC1111 web UI started with `--api` (Forge and SD.Next serve the same routes),
 * speaking its wire format (github.com/AUTOMATIC1111/stable-diffusion-webui/wiki/API,
 * `modules/api/api.py` and `models.py`):
 *
 * - `POST /sdapi/v1/txt2img` and `/img2img` (with `init_images`, base64) → `{ images, parameters,
 *   info }`: `batch_size × n_iter` real PNGs of `width × height`, coloured by the prompt;
 *   `info` is a JSON string with `seed` and `all_seeds` (seed -1 picks one at random).
 * - `POST /sdapi/v1/extra-single-image` → `{ html_info, image }`: the image `upscaling_resize`
 *   times larger, or unchanged when `upscaler_1` is `None`, as A1111 does; an unknown upscaler
 *   is A1111's 500 `AssertionError`.
 * - `GET /sdapi/v1/progress` (the running job's `progress`, `eta_relative`, `state`),
 *   `POST /sdapi/v1/interrupt` (the running job stops at its next step and answers with the
 *   pictures it finished), `GET /sdapi/v1/sd-models`.
 * - Errors as A1111's middleware shapes them: `{ error, detail, body, errors }`.
 *
 * Like A1111 (its `queue_lock`), jobs run one at a time: a job that arrives while another runs
 * waits for it, and is counted in {@link FakeSdApi.overlaps}, which is how tests prove a
 * caller never sent one instance two jobs at once. {@link FakeSdApi.healthy} `false` answers
 * every request with a 503, like a server that is restarting.
 */
export class FakeSdApi extends FakeHttpServer {
  msPerImage: number;
  /** False: every route answers 503 (the health check fails) until set back to true. */
  healthy = true;
  /** Jobs that arrived while another job was running (should stay 0 behind a correct client). */
  overlaps = 0;
  /** Every job, in arrival order. */
  readonly jobs: FakeSdJob[] = [];
  readonly models: FakeSdModel[];
  readonly upscalers: string[];
  /** Times `POST /sdapi/v1/interrupt` was called. */
  interrupts = 0;
  /** Every `progress` (0..1) `GET /sdapi/v1/progress` answered while a job ran, in order: what a status message may show. */
  readonly progressAnswers: number[] = [];

  private readonly auth: FakeSdApiOptions['auth'];
  private loadedCheckpoint: string;
  private running: { job: FakeSdJob; step: number; steps: number; interruptRequested: boolean } | undefined;
  private queue: Promise<void> = Promise.resolve();

  private constructor(options: FakeSdApiOptions) {
    super(options);
    this.msPerImage = options.msPerImage ?? 0;
    this.auth = options.auth;
    this.models = options.models ?? DEFAULT_MODELS;
    this.upscalers = options.upscalers ?? DEFAULT_UPSCALERS;
    this.loadedCheckpoint = this.models[0]?.title ?? '';
  }

  /** Creates the fake and starts listening on 127.0.0.1 with a free port. */
  static async start(options: FakeSdApiOptions = {}): Promise<FakeSdApi> {
    const fake = new FakeSdApi(options);
    await fake.listen();
    return fake;
  }

  /** The base URL with the basic-auth credentials in it, as `SDAPI_URLS` takes it. */
  get urlWithAuth(): string {
    if (!this.auth) return this.url;
    const url = new URL(this.url);
    url.username = encodeURIComponent(this.auth.username);
    url.password = encodeURIComponent(this.auth.password);
    return url.toString().replace(/\/$/, '');
  }

  /** Whether a job is running right now. */
  get isBusy(): boolean {
    return this.running !== undefined;
  }

  protected override errorBody(status: number, message: string): unknown {
    return { error: 'HTTPException', detail: message, body: '', errors: `${status}: ${message}` };
  }

  protected override async handle(request: RecordedRequest): Promise<FakeReply> {
    if (!this.healthy) return { status: 503, body: 'Service Unavailable' };
    const denied = this.checkAuth(request);
    if (denied) return denied;
    const route = `${request.method} ${request.path}`;
    switch (route) {
      case 'POST /sdapi/v1/txt2img':
        return this.generate(request, 'txt2img');
      case 'POST /sdapi/v1/img2img':
        return this.generate(request, 'img2img');
      case 'POST /sdapi/v1/extra-single-image':
        return this.upscale(request);
      case 'GET /sdapi/v1/progress':
        return { status: 200, body: this.progress() };
      case 'POST /sdapi/v1/interrupt':
        this.interrupts += 1;
        if (this.running) this.running.interruptRequested = true;
        return { status: 200, body: {} };
      case 'GET /sdapi/v1/sd-models':
        return { status: 200, body: this.models.map((model) => ({ ...model, config: null })) };
      default:
        return { status: 404, body: { detail: 'Not Found' } };
    }
  }

  private checkAuth(request: RecordedRequest): FakeReply | undefined {
    if (!this.auth) return undefined;
    const header = String(request.headers.authorization ?? '');
    if (!header.toLowerCase().startsWith('basic ')) {
      return { status: 401, body: { detail: 'Not authenticated' }, headers: { 'www-authenticate': 'Basic' } };
    }
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (decoded.slice(0, colon) === this.auth.username && decoded.slice(colon + 1) === this.auth.password) {
      return undefined;
    }
    return {
      status: 401,
      body: this.errorBody(401, 'Incorrect username or password'),
      headers: { 'www-authenticate': 'Basic' },
    };
  }

  private progress(): unknown {
    const running = this.running;
    if (!running) {
      return {
        progress: 0,
        eta_relative: 0,
        state: this.state(0, 0, 0, false),
        current_image: null,
        textinfo: null,
      };
    }
    const progress = running.steps === 0 ? 0 : running.step / running.steps;
    this.progressAnswers.push(progress);
    const elapsed = (Date.now() - running.job.startedAt) / 1000;
    return {
      progress,
      eta_relative: progress > 0 ? elapsed / progress - elapsed : 0,
      state: this.state(running.job.images, running.step, running.steps, running.interruptRequested),
      current_image: null,
      textinfo: null,
    };
  }

  private state(jobCount: number, step: number, steps: number, interrupted: boolean) {
    return {
      skipped: false,
      interrupted,
      stopping_generation: false,
      job: jobCount > 0 ? `job-${this.jobs.length}` : '',
      job_count: jobCount,
      job_timestamp: '20260101000000',
      job_no: steps === 0 ? 0 : Math.floor(step / STEPS_PER_IMAGE),
      sampling_step: step % STEPS_PER_IMAGE,
      sampling_steps: STEPS_PER_IMAGE,
    };
  }

  /**
   * Runs a job of `pictures` under the one-job-at-a-time lock, counting an overlap when it had to
   * wait. `make` paints the pictures first; the job then ends `msPerImage` per picture after it
   * started (painting included), stepping its progress, or at the next step after an interrupt.
   * Resolves with how many pictures were finished.
   */
  private async runJob(job: FakeSdJob, pictures: number, make: () => void): Promise<number> {
    if (this.running) this.overlaps += 1;
    this.jobs.push(job);
    const previous = this.queue;
    let done: () => void = () => undefined;
    this.queue = new Promise<void>((resolve) => {
      done = resolve;
    });
    await previous;
    job.startedAt = Date.now();
    const running = { job, step: 0, steps: pictures * STEPS_PER_IMAGE, interruptRequested: false };
    this.running = running;
    try {
      make();
      const stepMs = this.msPerImage / STEPS_PER_IMAGE;
      let finishedSteps = 0;
      for (; finishedSteps < running.steps && !running.interruptRequested; finishedSteps++) {
        await this.sleep(job.startedAt + (finishedSteps + 1) * stepMs - Date.now());
        running.step = finishedSteps + 1;
      }
      job.interrupted = running.interruptRequested;
      return Math.floor(finishedSteps / STEPS_PER_IMAGE);
    } finally {
      job.endedAt = Date.now();
      this.running = undefined;
      done();
    }
  }

  private async generate(request: RecordedRequest, kind: 'txt2img' | 'img2img'): Promise<FakeReply> {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const width = typeof body.width === 'number' ? body.width : 512;
    const height = typeof body.height === 'number' ? body.height : 512;
    if (width % 8 !== 0 || height % 8 !== 0 || width < 64 || height < 64 || width > 4096 || height > 4096) {
      return { status: 422, body: { detail: [{ loc: ['body', 'width'], msg: 'invalid size', type: 'value_error' }] } };
    }
    if (kind === 'img2img') {
      const initImages = body.init_images;
      if (!Array.isArray(initImages) || initImages.length === 0) {
        return { status: 404, body: this.errorBody(404, 'Init image not found') };
      }
      try {
        readPng(Buffer.from(String(initImages[0]), 'base64'));
      } catch {
        return { status: 500, body: this.errorBody(500, 'Invalid encoded image') };
      }
    }
    const batchSize = typeof body.batch_size === 'number' ? body.batch_size : 1;
    const iterations = typeof body.n_iter === 'number' ? body.n_iter : 1;
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    const overrides = (body.override_settings ?? {}) as Record<string, unknown>;
    const wanted = typeof overrides.sd_model_checkpoint === 'string' ? overrides.sd_model_checkpoint : undefined;
    if (wanted !== undefined) {
      const model = this.models.find((candidate) => candidate.title === wanted || candidate.model_name === wanted);
      if (model) this.loadedCheckpoint = model.title;
    }
    const requestedSeed = typeof body.seed === 'number' ? body.seed : -1;
    const seed = requestedSeed === -1 ? randomInt(0, 2 ** 32 - 1) : requestedSeed;
    const count = batchSize * iterations;
    const job: FakeSdJob = {
      kind,
      startedAt: 0,
      endedAt: undefined,
      checkpoint: this.loadedCheckpoint,
      images: count,
      negativePrompt: typeof body.negative_prompt === 'string' ? body.negative_prompt : '',
      interrupted: false,
      inputs: Array.isArray(body.init_images)
        ? body.init_images.map((image) => Buffer.from(String(image), 'base64'))
        : [],
      denoisingStrength: typeof body.denoising_strength === 'number' ? body.denoising_strength : undefined,
      outputs: [],
    };
    let painted: Buffer[] = [];
    const finished = await this.runJob(job, count, () => {
      painted = Array.from({ length: count }, (_, index) =>
        makeFlatPng(width, height, colorForText(`${prompt}#${seed + index}`)),
      );
    });
    job.outputs = painted.slice(0, finished);
    const images = job.outputs.map((png) => png.toString('base64'));
    const allSeeds = Array.from({ length: count }, (_, index) => seed + index);
    const info = {
      prompt,
      all_prompts: allSeeds.map(() => prompt),
      negative_prompt: typeof body.negative_prompt === 'string' ? body.negative_prompt : '',
      seed,
      all_seeds: allSeeds,
      subseed: seed + 1,
      all_subseeds: allSeeds.map((value) => value + 1),
      width,
      height,
      sampler_name: typeof body.sampler_name === 'string' ? body.sampler_name : 'Euler a',
      steps: typeof body.steps === 'number' ? body.steps : 50,
      cfg_scale: typeof body.cfg_scale === 'number' ? body.cfg_scale : 7,
      batch_size: batchSize,
      sd_model_name: this.loadedCheckpoint.split('.')[0],
      sd_model_hash: this.models.find((model) => model.title === this.loadedCheckpoint)?.hash ?? null,
      job_timestamp: '20260101000000',
    };
    return {
      status: 200,
      body: { images, parameters: { ...body, init_images: null }, info: JSON.stringify(info) },
    };
  }

  private async upscale(request: RecordedRequest): Promise<FakeReply> {
    const body = (request.body ?? {}) as Record<string, unknown>;
    let source: { width: number; height: number; topLeft: readonly number[] };
    try {
      source = readPng(Buffer.from(String(body.image ?? ''), 'base64'));
    } catch {
      return { status: 500, body: this.errorBody(500, 'Invalid encoded image') };
    }
    const upscaler = typeof body.upscaler_1 === 'string' ? body.upscaler_1 : 'None';
    if (upscaler !== 'None' && !this.upscalers.includes(upscaler)) {
      const message = `could not find upscaler named ${upscaler}`;
      return { status: 500, body: { error: 'AssertionError', detail: '', body: '', errors: message } };
    }
    const resize = typeof body.upscaling_resize === 'number' ? body.upscaling_resize : 2;
    const job: FakeSdJob = {
      kind: 'upscale',
      startedAt: 0,
      endedAt: undefined,
      checkpoint: this.loadedCheckpoint,
      images: 1,
      negativePrompt: '',
      interrupted: false,
      inputs: [Buffer.from(String(body.image ?? ''), 'base64')],
      denoisingStrength: undefined,
      upscaler,
      upscalingResize: resize,
      outputs: [],
    };
    const scale = upscaler === 'None' ? 1 : resize;
    const [r, g, b, a] = source.topLeft;
    let image: Buffer = Buffer.alloc(0);
    await this.runJob(job, 1, () => {
      image = makePng(Math.round(source.width * scale), Math.round(source.height * scale), [
        r ?? 0,
        g ?? 0,
        b ?? 0,
        a ?? 255,
      ]);
    });
    job.outputs = [image];
    return { status: 200, body: { html_info: '', image: image.toString('base64') } };
  }
}
