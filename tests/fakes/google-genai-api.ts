import { randomBytes } from 'node:crypto';
import { FakeHttpServer, containsWord } from '#tests/fakes/http-recorder';
import type { FakeReply, FakeServerOptions, RecordedRequest } from '#tests/fakes/http-recorder';
import { colorForText, makePng } from '#tests/fakes/test-png';

/** Options of {@link FakeGoogleGenAIApi}; the trigger lists can also be changed later on the instance. */
export type FakeGoogleGenAIOptions = FakeServerOptions & {
  /** Key accepted in `x-goog-api-key` (or `?key=`). Default `test-google-api-key`. */
  apiKey?: string;
  /** A Veo operation is done on this poll (`GET /v1beta/{name}`); 1 = the first poll. Default 2. */
  videoPollsUntilDone?: number;
  /** Prompts containing one of these are blocked before generation: `promptFeedback.blockReason: 'SAFETY'`, no candidates. */
  promptBlockTriggers?: string[];
  /** Prompts containing one of these end with `finishReason: 'IMAGE_SAFETY'` and no image. */
  imageSafetyTriggers?: string[];
  /** Veo prompts containing one of these finish with `raiMediaFilteredCount` / `raiMediaFilteredReasons` and no video. */
  videoRaiTriggers?: string[];
  /** Veo prompts containing one of these finish with an operation `error`. */
  videoErrorTriggers?: string[];
  /** Answer `files/{id}:download` with a 302 to a storage URL on the fake, as Google does. Default true. */
  downloadRedirect?: boolean;
};

/** An `inlineData` part the client sent, decoded. */
export type InlineDataInput = { mimeType: string; data: Buffer };

type Operation = {
  name: string;
  model: string;
  prompt: string;
  polls: number;
  outcome: 'video' | 'rai' | 'error';
  fileId: string;
};

/** Gemini image sizes per aspect ratio at 1K (ai.google.dev/gemini-api/docs/image-generation). */
const ASPECT_SIZES: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [832, 1248],
  '3:2': [1248, 832],
  '3:4': [864, 1184],
  '4:3': [1184, 864],
  '4:5': [896, 1152],
  '5:4': [1152, 896],
  '9:16': [768, 1344],
  '16:9': [1344, 768],
  '21:9': [1536, 672],
};

const SIZE_SCALE: Record<string, number> = { '1K': 1, '2K': 2, '4K': 4 };

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Where the real API puts generated files; the SDK extracts the file id from such a uri. */
export const GOOGLE_FILES_ORIGIN = 'https://generativelanguage.googleapis.com';

/**
 * A local Gemini API (`generativelanguage.googleapis.com`, v1beta) for the real `@google/genai`
 * SDK: `new GoogleGenAI({ apiKey, httpOptions: { baseUrl: fake.baseUrl } })`.
 *
 * Serves `models/{model}:generateContent` (text, or a PNG `inlineData` part when
 * `responseModalities` includes IMAGE), Veo's `models/{model}:predictLongRunning`, operation polls
 * at `GET /v1beta/models/{model}/operations/{id}` and `GET /v1beta/files/{id}:download?alt=media`.
 * Generated videos carry the real `https://generativelanguage.googleapis.com/v1beta/files/{id}:download?alt=media`
 * uri: `ai.files.download` takes only the id from it and fetches from `baseUrl`, so it reaches the fake.
 */
export class FakeGoogleGenAIApi extends FakeHttpServer {
  readonly apiKey: string;
  videoPollsUntilDone: number;
  promptBlockTriggers: string[];
  imageSafetyTriggers: string[];
  videoRaiTriggers: string[];
  videoErrorTriggers: string[];
  downloadRedirect: boolean;
  /** Bytes of every generated video, by file id. */
  readonly videos = new Map<string, Buffer>();
  private readonly operations = new Map<string, Operation>();

  private constructor(options: FakeGoogleGenAIOptions) {
    super(options);
    this.apiKey = options.apiKey ?? 'test-google-api-key';
    this.videoPollsUntilDone = options.videoPollsUntilDone ?? 2;
    this.promptBlockTriggers = [...(options.promptBlockTriggers ?? [])];
    this.imageSafetyTriggers = [...(options.imageSafetyTriggers ?? [])];
    this.videoRaiTriggers = [...(options.videoRaiTriggers ?? [])];
    this.videoErrorTriggers = [...(options.videoErrorTriggers ?? [])];
    this.downloadRedirect = options.downloadRedirect ?? true;
  }

  /** Creates the fake and starts listening on 127.0.0.1 with a free port. */
  static async start(options: FakeGoogleGenAIOptions = {}): Promise<FakeGoogleGenAIApi> {
    const fake = new FakeGoogleGenAIApi(options);
    await fake.listen();
    return fake;
  }

  /** The SDK's `httpOptions.baseUrl` (the origin; the SDK appends `/v1beta/...`). */
  get baseUrl(): string {
    return this.url;
  }

  /** The `inlineData` parts (input images) of a recorded generateContent request, decoded. */
  static inlineDataOf(request: RecordedRequest): InlineDataInput[] {
    const body = request.body as {
      contents?: Array<{ parts?: Array<{ inlineData?: { mimeType?: string; data?: string } }> }>;
    };
    return (body?.contents ?? [])
      .flatMap((c) => c.parts ?? [])
      .flatMap((p) => (p.inlineData ? [p.inlineData] : []))
      .map((d) => ({ mimeType: d.mimeType ?? '', data: Buffer.from(d.data ?? '', 'base64') }));
  }

  /** The bytes the fake serves for a video of file id `fileId`: a recognizable MP4-ish blob (ftyp box + marker). */
  static videoBytes(fileId: string, prompt: string): Buffer {
    const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d6d703431', 'hex');
    const marker = Buffer.from(`FAKE-VEO ${fileId} ${prompt}`, 'utf8');
    const free = Buffer.alloc(8);
    free.writeUInt32BE(8 + marker.length, 0);
    free.write('free', 4, 'latin1');
    return Buffer.concat([ftyp, free, marker]);
  }

  protected override errorBody(status: number, message: string): unknown {
    return { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' } };
  }

  protected override handle(request: RecordedRequest): FakeReply {
    const storage = /^\/download\/storage\/([a-z0-9]+)$/.exec(request.path);
    if (request.method === 'GET' && storage) {
      return this.serveVideo(storage[1] ?? '');
    }
    const denied = this.checkKey(request);
    if (denied) return denied;

    const modelCall = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/.exec(request.path);
    if (request.method === 'POST' && modelCall) {
      const [, model = '', method] = modelCall;
      if (method === 'generateContent') return this.generateContent(model, request);
      if (method === 'predictLongRunning') return this.predictLongRunning(model, request);
    }
    const operation = /^\/v1beta\/(models\/[^/]+\/operations\/[^/]+)$/.exec(request.path);
    if (request.method === 'GET' && operation) {
      return this.pollOperation(operation[1] ?? '');
    }
    const download = /^\/v1beta\/files\/([^/:]+):download$/.exec(request.path);
    if (request.method === 'GET' && download) {
      const fileId = download[1] ?? '';
      if (this.downloadRedirect && this.videos.has(fileId)) {
        return { status: 302, headers: { location: `${this.url}/download/storage/${fileId}` } };
      }
      return this.serveVideo(fileId);
    }
    return this.error(404, `Method not found: ${request.method} ${request.path}`);
  }

  private error(status: number, message: string, details?: unknown[]): FakeReply {
    return {
      status,
      body: {
        error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', ...(details ? { details } : {}) },
      },
    };
  }

  private checkKey(request: RecordedRequest): FakeReply | undefined {
    const header = request.headers['x-goog-api-key'];
    const key = (Array.isArray(header) ? header[0] : header) ?? (request.query.key as string | undefined);
    if (key === this.apiKey) return undefined;
    if (!key) {
      return this.error(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    return this.error(400, 'API key not valid. Please pass a valid API key.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
      {
        '@type': 'type.googleapis.com/google.rpc.LocalizedMessage',
        locale: 'en-US',
        message: 'API key not valid. Please pass a valid API key.',
      },
    ]);
  }

  private generateContent(model: string, request: RecordedRequest): FakeReply {
    const body = (request.body ?? {}) as {
      contents?: Array<{ role?: string; parts?: Array<{ text?: string }> }>;
      generationConfig?: { responseModalities?: string[]; imageConfig?: { aspectRatio?: string; imageSize?: string } };
    };
    if (!Array.isArray(body.contents) || body.contents.length === 0) {
      return this.error(400, '* GenerateContentRequest.contents: contents is not specified\n');
    }
    const prompt = body.contents
      .flatMap((c) => c.parts ?? [])
      .map((p) => p.text ?? '')
      .filter(Boolean)
      .join('\n');
    const promptTokens = Math.max(1, Math.ceil(prompt.length / 4));
    const common = { modelVersion: model, responseId: randomBytes(12).toString('base64url') };

    if (this.promptBlockTriggers.some((t) => containsWord(prompt, t))) {
      return {
        status: 200,
        body: {
          promptFeedback: {
            blockReason: 'SAFETY',
            safetyRatings: [
              { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'HIGH', blocked: true },
              { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
              { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
              { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'NEGLIGIBLE' },
            ],
          },
          usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
          ...common,
        },
      };
    }

    const modalities = (body.generationConfig?.responseModalities ?? []).map((m) => m.toUpperCase());
    const wantsImage = modalities.includes('IMAGE');
    if (wantsImage && this.imageSafetyTriggers.some((t) => containsWord(prompt, t))) {
      return {
        status: 200,
        body: {
          candidates: [{ finishReason: 'IMAGE_SAFETY', index: 0 }],
          usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
          ...common,
        },
      };
    }

    if (!wantsImage) {
      const text = `You said: ${prompt}`;
      const outTokens = Math.ceil(text.length / 4);
      return {
        status: 200,
        body: {
          candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
          usageMetadata: {
            promptTokenCount: promptTokens,
            candidatesTokenCount: outTokens,
            totalTokenCount: promptTokens + outTokens,
          },
          ...common,
        },
      };
    }

    const aspect = body.generationConfig?.imageConfig?.aspectRatio ?? '1:1';
    const base = ASPECT_SIZES[aspect];
    if (!base) {
      return this.error(400, `Unsupported aspect ratio: ${aspect}`);
    }
    const scale = SIZE_SCALE[body.generationConfig?.imageConfig?.imageSize ?? '1K'] ?? 1;
    const png = makePng(base[0] * scale, base[1] * scale, colorForText(prompt));
    const imageTokens = 1290;
    return {
      status: 200,
      body: {
        candidates: [
          {
            content: {
              parts: [
                { text: 'Here is the image you asked for.' },
                { inlineData: { mimeType: 'image/png', data: png.toString('base64') } },
              ],
              role: 'model',
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: {
          promptTokenCount: promptTokens,
          candidatesTokenCount: imageTokens + 9,
          totalTokenCount: promptTokens + imageTokens + 9,
          promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
          candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: imageTokens }],
        },
        ...common,
      },
    };
  }

  private predictLongRunning(model: string, request: RecordedRequest): FakeReply {
    const body = (request.body ?? {}) as { instances?: Array<{ prompt?: string }> };
    const instance = body.instances?.[0];
    if (!instance) {
      return this.error(400, 'instances must be specified');
    }
    const prompt = instance.prompt ?? '';
    const name = `models/${model}/operations/${lowerId(12)}`;
    const outcome = this.videoErrorTriggers.some((t) => containsWord(prompt, t))
      ? 'error'
      : this.videoRaiTriggers.some((t) => containsWord(prompt, t))
        ? 'rai'
        : 'video';
    this.operations.set(name, { name, model, prompt, polls: 0, outcome, fileId: lowerId(12) });
    return { status: 200, body: { name } };
  }

  private pollOperation(name: string): FakeReply {
    const op = this.operations.get(name);
    if (!op) {
      return this.error(404, `Operation ${name} not found.`);
    }
    op.polls += 1;
    if (op.polls < this.videoPollsUntilDone) {
      return { status: 200, body: { name } };
    }
    if (op.outcome === 'error') {
      return {
        status: 200,
        body: { name, done: true, error: { code: 13, message: 'Video generation failed due to an internal error.' } },
      };
    }
    const responseType = 'type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse';
    if (op.outcome === 'rai') {
      return {
        status: 200,
        body: {
          name,
          done: true,
          response: {
            '@type': responseType,
            generateVideoResponse: {
              raiMediaFilteredCount: 1,
              raiMediaFilteredReasons: [
                'Video generation was blocked by a safety filter for this prompt (fake RAI trigger). Try rephrasing your prompt.',
              ],
            },
          },
        },
      };
    }
    if (!this.videos.has(op.fileId)) {
      this.videos.set(op.fileId, FakeGoogleGenAIApi.videoBytes(op.fileId, op.prompt));
    }
    return {
      status: 200,
      body: {
        name,
        done: true,
        response: {
          '@type': responseType,
          generateVideoResponse: {
            generatedSamples: [
              { video: { uri: `${GOOGLE_FILES_ORIGIN}/v1beta/files/${op.fileId}:download?alt=media` } },
            ],
          },
        },
      },
    };
  }

  private serveVideo(fileId: string): FakeReply {
    const bytes = this.videos.get(fileId);
    if (!bytes) {
      return this.error(404, `File ${fileId} not found.`);
    }
    return { status: 200, body: bytes, headers: { 'content-type': 'video/mp4' } };
  }
}

/** A lowercase alphanumeric id, the only shape the SDK's file-id extraction keeps whole. */
function lowerId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
