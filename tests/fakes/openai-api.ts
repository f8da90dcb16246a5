import { randomBytes } from 'node:crypto';
import type OpenAI from 'openai';
import { FakeHttpServer, containsWord } from '#tests/fakes/http-recorder';
import type {
  FakeReply,
  FakeServerOptions,
  MultipartBody,
  MultipartFile,
  RecordedRequest,
} from '#tests/fakes/http-recorder';
import { colorForText, makePng } from '#tests/fakes/test-png';

/** The 13 categories of `omni-moderation-latest`. */
export type ModerationCategory = keyof OpenAI.Moderation.Categories;

/** How an OpenRouter content-filter refusal looks: a 200 with `finish_reason: 'content_filter'`, or a 403 moderation error. */
export type OpenRouterRefusalMode = 'finish_reason' | 'error';

/** Options of {@link FakeOpenAIApi}; every list and map can also be changed later on the instance. */
export type FakeOpenAIOptions = FakeServerOptions & {
  /** Key the OpenAI routes (`/v1/...`) accept. Default `sk-test-openai`. */
  apiKey?: string;
  /** Key the OpenRouter routes (`/api/v1/...`) accept. Default `sk-or-v1-test`. */
  openrouterApiKey?: string;
  /** Word (case-insensitive, whole word) -> category that `/v1/moderations` flags. */
  moderationWords?: Record<string, ModerationCategory>;
  /** Prompts containing one of these make images endpoints answer OpenAI's 400 `moderation_blocked`. */
  imageRefusalTriggers?: string[];
  /** Prompts containing one of these make OpenRouter refuse (see `openrouterRefusalMode`). */
  openrouterRefusalTriggers?: string[];
  /** Default `finish_reason`. */
  openrouterRefusalMode?: OpenRouterRefusalMode;
  /** Images each images answer leaves out of the `n` asked, as when the safety system filters some. Default 0. */
  withheldImages?: number;
};

/** The OpenRouter answer: the OpenAI chat completion plus OpenRouter's `images` on the message. */
export type OpenRouterChatCompletion = Omit<OpenAI.ChatCompletion, 'choices'> & {
  provider: string;
  choices: Array<
    Omit<OpenAI.ChatCompletion.Choice, 'finish_reason' | 'message'> & {
      finish_reason: OpenAI.ChatCompletion.Choice['finish_reason'] | 'error';
      native_finish_reason: string;
      message: OpenAI.ChatCompletionMessage & {
        reasoning: string | null;
        images?: Array<{ type: 'image_url'; image_url: { url: string }; index: number }>;
      };
    }
  >;
};

const GPT_IMAGE_SIZES = ['1024x1024', '1024x1536', '1536x1024'] as const;
type GptImageSize = (typeof GPT_IMAGE_SIZES)[number];
type GptImageQuality = 'low' | 'medium' | 'high';

/** Output tokens gpt-image-1 bills per image (platform.openai.com/docs/guides/image-generation#cost-and-latency). */
const OUTPUT_TOKENS: Record<GptImageQuality, Record<GptImageSize, number>> = {
  low: { '1024x1024': 272, '1024x1536': 408, '1536x1024': 400 },
  medium: { '1024x1024': 1056, '1024x1536': 1584, '1536x1024': 1568 },
  high: { '1024x1024': 4160, '1024x1536': 6240, '1536x1024': 6208 },
};

const MODERATION_CATEGORIES: readonly ModerationCategory[] = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
];

/** Categories omni-moderation also scores on images (platform.openai.com/docs/guides/moderation). */
const IMAGE_CATEGORIES: ReadonlySet<ModerationCategory> = new Set<ModerationCategory>([
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'violence',
  'violence/graphic',
]);

/** Gemini image sizes per aspect ratio (ai.google.dev/gemini-api/docs/image-generation), used for OpenRouter's `image_config`. */
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

/**
 * A local OpenAI + OpenRouter API speaking the real wire format, for the real `openai` SDK:
 * `new OpenAI({ apiKey, baseURL: fake.baseURL, maxRetries: 0 })` and, for OpenRouter,
 * `new OpenAI({ apiKey, baseURL: fake.openrouterBaseURL, defaultHeaders: { 'HTTP-Referer', 'X-Title' } })`.
 *
 * Serves `POST /v1/images/generations`, `POST /v1/images/edits` (multipart), `POST /v1/moderations`
 * and `POST /api/v1/chat/completions`. Images are real PNGs of the requested size, coloured by
 * {@link colorForText} of the prompt. Only PNG is produced, whatever `output_format` asks for.
 */
export class FakeOpenAIApi extends FakeHttpServer {
  readonly apiKey: string;
  readonly openrouterApiKey: string;
  moderationWords: Record<string, ModerationCategory>;
  imageRefusalTriggers: string[];
  openrouterRefusalTriggers: string[];
  openrouterRefusalMode: OpenRouterRefusalMode;
  withheldImages: number;

  private constructor(options: FakeOpenAIOptions) {
    super(options);
    this.apiKey = options.apiKey ?? 'sk-test-openai';
    this.openrouterApiKey = options.openrouterApiKey ?? 'sk-or-v1-test';
    this.moderationWords = { ...options.moderationWords };
    this.imageRefusalTriggers = [...(options.imageRefusalTriggers ?? [])];
    this.openrouterRefusalTriggers = [...(options.openrouterRefusalTriggers ?? [])];
    this.openrouterRefusalMode = options.openrouterRefusalMode ?? 'finish_reason';
    this.withheldImages = options.withheldImages ?? 0;
  }

  /** Creates the fake and starts listening on 127.0.0.1 with a free port. */
  static async start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAIApi> {
    const fake = new FakeOpenAIApi(options);
    await fake.listen();
    return fake;
  }

  /** `http://127.0.0.1:PORT/v1`, the OpenAI SDK's `baseURL`. */
  get baseURL(): string {
    return `${this.url}/v1`;
  }

  /** `http://127.0.0.1:PORT/api/v1`, the `baseURL` for OpenRouter. */
  get openrouterBaseURL(): string {
    return `${this.url}/api/v1`;
  }

  /** The uploaded image files of a recorded `/v1/images/edits` request (`image` or `image[]`). */
  static editInputImages(request: RecordedRequest): MultipartFile[] {
    const body = request.body as MultipartBody | undefined;
    return (body?.files ?? []).filter((f) => f.field === 'image' || f.field === 'image[]');
  }

  protected override commonHeaders(): Record<string, string> {
    return { 'x-request-id': `req_${randomBytes(16).toString('hex')}` };
  }

  protected override errorBody(status: number, message: string, request: RecordedRequest): unknown {
    if (isOpenRouter(request)) {
      return { error: { code: status, message } };
    }
    return {
      error: {
        message,
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        param: null,
        code: null,
      },
    };
  }

  protected override async handle(request: RecordedRequest): Promise<FakeReply> {
    const route = `${request.method} ${request.path}`;
    if (request.path.startsWith('/api/v1/')) {
      const denied = this.checkOpenRouterKey(request);
      if (denied) return denied;
      if (route === 'POST /api/v1/chat/completions') return this.chatCompletion(request);
      return { status: 404, body: { error: { code: 404, message: `Not Found: ${route}` } } };
    }
    const denied = this.checkOpenAIKey(request);
    if (denied) return denied;
    switch (route) {
      case 'POST /v1/images/generations':
        return this.generateImages(request);
      case 'POST /v1/images/edits':
        return this.editImages(request);
      case 'POST /v1/moderations':
        return this.moderate(request);
      default:
        return this.invalid(404, `Invalid URL (${route})`, null, null);
    }
  }

  private checkOpenAIKey(request: RecordedRequest): FakeReply | undefined {
    const key = bearer(request);
    if (key === this.apiKey) return undefined;
    if (key === undefined) {
      return this.invalid(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        null,
        null,
      );
    }
    return this.invalid(
      401,
      `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      null,
      'invalid_api_key',
    );
  }

  private checkOpenRouterKey(request: RecordedRequest): FakeReply | undefined {
    const key = bearer(request);
    if (key === this.openrouterApiKey) return undefined;
    const message = key === undefined ? 'No cookie auth credentials found' : 'User not found.';
    return { status: 401, body: { error: { message, code: 401 } } };
  }

  private invalid(status: number, message: string, param: string | null, code: string | null): FakeReply {
    return {
      status,
      body: {
        error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param, code },
      },
    };
  }

  private generateImages(request: RecordedRequest): FakeReply {
    const body = (request.body ?? {}) as Record<string, unknown>;
    return this.imagesReply(
      {
        model: String(body.model ?? 'dall-e-2'),
        prompt: typeof body.prompt === 'string' ? body.prompt : '',
        n: body.n,
        size: body.size,
        quality: body.quality,
        responseFormat: body.response_format,
        stream: body.stream === true,
      },
      0,
    );
  }

  private editImages(request: RecordedRequest): FakeReply {
    const body = request.body as MultipartBody | undefined;
    if (!body || !('files' in body)) {
      return this.invalid(400, 'Expected a multipart/form-data body.', null, null);
    }
    const field = (name: string): string | undefined => {
      const value = body.fields[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const images = FakeOpenAIApi.editInputImages(request);
    if (images.length === 0) {
      return this.invalid(400, "Missing required parameter: 'image'.", 'image', 'missing_required_parameter');
    }
    return this.imagesReply(
      {
        model: field('model') ?? 'dall-e-2',
        prompt: field('prompt') ?? '',
        n: field('n'),
        size: field('size'),
        quality: field('quality'),
        responseFormat: field('response_format'),
        stream: field('stream') === 'true',
      },
      images.length,
    );
  }

  private imagesReply(
    params: {
      model: string;
      prompt: string;
      n: unknown;
      size: unknown;
      quality: unknown;
      responseFormat: unknown;
      stream: boolean;
    },
    inputImageCount: number,
  ): FakeReply {
    if (params.stream) {
      return this.invalid(400, 'The fake does not stream images.', 'stream', null);
    }
    if (!params.prompt) {
      return this.invalid(400, "Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
    }
    const isGptImage = params.model.startsWith('gpt-image');
    if (isGptImage && params.responseFormat !== undefined && params.responseFormat !== null) {
      return this.invalid(400, "Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter');
    }
    const n = params.n === undefined || params.n === null ? 1 : Number(params.n);
    if (!Number.isInteger(n) || n < 1 || n > 10) {
      return this.invalid(
        400,
        `Invalid 'n': integer between 1 and 10 expected, got ${String(params.n)}.`,
        'n',
        'invalid_value',
      );
    }
    const requestedSize = params.size === undefined || params.size === null ? 'auto' : String(params.size);
    if (requestedSize !== 'auto' && !(GPT_IMAGE_SIZES as readonly string[]).includes(requestedSize)) {
      return this.invalid(
        400,
        `Invalid value: '${requestedSize}'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.`,
        'size',
        'invalid_value',
      );
    }
    const blocked = this.imageRefusalTriggers.find((t) => containsWord(params.prompt, t));
    if (blocked !== undefined) {
      return {
        status: 400,
        body: {
          error: {
            message: `Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID req_${randomBytes(16).toString('hex')}. safety_violations=[${blocked}].`,
            type: 'image_generation_user_error',
            param: null,
            code: 'moderation_blocked',
          },
        },
      };
    }
    const size: GptImageSize = requestedSize === 'auto' ? '1024x1024' : (requestedSize as GptImageSize);
    const quality: GptImageQuality =
      params.quality === 'low' || params.quality === 'medium' || params.quality === 'high' ? params.quality : 'high';
    const [width, height] = size.split('x').map(Number) as [number, number];
    const png = makePng(width, height, colorForText(params.prompt)).toString('base64');
    const textTokens = Math.max(1, Math.ceil(params.prompt.length / 4));
    const imageTokens = inputImageCount * 323;
    const outputTokens = OUTPUT_TOKENS[quality][size] * n;
    const response: OpenAI.ImagesResponse = {
      created: nowSeconds(),
      background: 'opaque',
      data: Array.from({ length: Math.max(0, n - this.withheldImages) }, () => ({ b64_json: png })),
      output_format: 'png',
      quality,
      size,
      usage: {
        input_tokens: textTokens + imageTokens,
        input_tokens_details: { image_tokens: imageTokens, text_tokens: textTokens },
        output_tokens: outputTokens,
        total_tokens: textTokens + imageTokens + outputTokens,
      },
    };
    return { status: 200, body: response };
  }

  private moderate(request: RecordedRequest): FakeReply {
    const body = (request.body ?? {}) as { input?: unknown; model?: unknown };
    const model = typeof body.model === 'string' ? body.model : 'omni-moderation-latest';
    const input = body.input;
    let groups: Array<{ texts: string[]; imageUrls: string[] }>;
    if (typeof input === 'string') {
      groups = [{ texts: [input], imageUrls: [] }];
    } else if (Array.isArray(input) && input.every((item) => typeof item === 'string')) {
      groups = (input as string[]).map((text) => ({ texts: [text], imageUrls: [] }));
    } else if (Array.isArray(input)) {
      const parts = input as Array<{ type?: string; text?: string; image_url?: { url?: string } }>;
      const badImage = parts.find((p) => p.type === 'image_url' && !isUsableImageUrl(p.image_url?.url ?? ''));
      if (badImage)
        return this.invalid(
          400,
          'Invalid image: the data URL is not a PNG, JPEG, WebP or non-animated GIF image.',
          'input',
          'invalid_image_format',
        );
      groups = [
        {
          texts: parts.filter((p) => p.type === 'text').map((p) => p.text ?? ''),
          imageUrls: parts.filter((p) => p.type === 'image_url').map((p) => p.image_url?.url ?? ''),
        },
      ];
    } else {
      return this.invalid(400, "Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
    }
    const response: OpenAI.ModerationCreateResponse = {
      id: `modr-${randomBytes(12).toString('hex')}`,
      model,
      results: groups.map((group) => this.moderationResult(group.texts, group.imageUrls)),
    };
    return { status: 200, body: response };
  }

  private moderationResult(texts: string[], imageUrls: string[]): OpenAI.Moderation {
    const hitsText = new Set<ModerationCategory>();
    const hitsImage = new Set<ModerationCategory>();
    for (const [word, category] of Object.entries(this.moderationWords)) {
      if (texts.some((t) => containsWord(t, word))) hitsText.add(category);
      if (imageUrls.some((u) => imageContent(u).includes(word.toLowerCase()))) hitsImage.add(category);
    }
    const categories = {} as Record<ModerationCategory, boolean>;
    const scores = {} as Record<ModerationCategory, number>;
    const applied = {} as Record<ModerationCategory, Array<'text' | 'image'>>;
    for (const category of MODERATION_CATEGORIES) {
      const flagged = hitsText.has(category) || hitsImage.has(category);
      categories[category] = flagged;
      scores[category] = flagged ? 0.9731 : 0.000012;
      const types: Array<'text' | 'image'> = [];
      if (texts.length > 0) types.push('text');
      if (imageUrls.length > 0 && IMAGE_CATEGORIES.has(category)) types.push('image');
      applied[category] = types;
    }
    return {
      flagged: hitsText.size + hitsImage.size > 0,
      categories,
      category_scores: scores,
      category_applied_input_types: applied as OpenAI.Moderation.CategoryAppliedInputTypes,
    };
  }

  private chatCompletion(request: RecordedRequest): FakeReply {
    const body = (request.body ?? {}) as {
      model?: unknown;
      messages?: unknown;
      modalities?: unknown;
      image_config?: { aspect_ratio?: unknown };
      stream?: unknown;
    };
    const model = typeof body.model === 'string' ? body.model : '';
    if (!model) {
      return { status: 400, body: { error: { code: 400, message: 'No models provided' } } };
    }
    if (body.stream === true) {
      return { status: 400, body: { error: { code: 400, message: 'The fake does not stream.' } } };
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return { status: 400, body: { error: { code: 400, message: 'Input required: specify "prompt" or "messages"' } } };
    }
    const prompt = promptText(body.messages);
    const wantsImage = Array.isArray(body.modalities) && body.modalities.includes('image');
    const provider = model.startsWith('google/') ? 'Google AI Studio' : model.startsWith('openai/') ? 'OpenAI' : 'Fake';
    const promptTokens = Math.max(1, Math.ceil(prompt.length / 4));
    const base = {
      id: `gen-${nowSeconds()}-${randomBytes(10).toString('base64url')}`,
      provider,
      model,
      object: 'chat.completion' as const,
      created: nowSeconds(),
    };

    const trigger = this.openrouterRefusalTriggers.find((t) => containsWord(prompt, t));
    if (trigger !== undefined && this.openrouterRefusalMode === 'error') {
      return {
        status: 403,
        body: {
          error: {
            code: 403,
            message: `${model} requires moderation on OpenRouter. Your input was flagged for "${trigger}". No credits were charged.`,
            metadata: {
              reasons: [trigger],
              flagged_input: prompt.slice(0, 100),
              provider_name: provider,
              model_slug: model,
            },
          },
        },
      };
    }
    if (trigger !== undefined) {
      const refused: OpenRouterChatCompletion = {
        ...base,
        choices: [
          {
            index: 0,
            logprobs: null,
            finish_reason: 'content_filter',
            native_finish_reason: wantsImage ? 'IMAGE_SAFETY' : 'SAFETY',
            message: { role: 'assistant', content: '', refusal: null, reasoning: null },
          },
        ],
        usage: { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens },
      };
      return { status: 200, body: refused };
    }

    const aspect = typeof body.image_config?.aspect_ratio === 'string' ? body.image_config.aspect_ratio : '1:1';
    const [width, height] = ASPECT_SIZES[aspect] ?? [1024, 1024];
    const text = wantsImage ? 'Here is the image you asked for.' : `You said: ${prompt}`;
    const completionTokens = wantsImage ? 1290 + 9 : Math.ceil(text.length / 4);
    const completion: OpenRouterChatCompletion = {
      ...base,
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: 'stop',
          native_finish_reason: 'STOP',
          message: {
            role: 'assistant',
            content: text,
            refusal: null,
            reasoning: null,
            ...(wantsImage
              ? {
                  images: [
                    {
                      type: 'image_url' as const,
                      image_url: {
                        url: `data:image/png;base64,${makePng(width, height, colorForText(prompt)).toString('base64')}`,
                      },
                      index: 0,
                    },
                  ],
                }
              : {}),
          },
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
    return { status: 200, body: completion };
  }
}

function isOpenRouter(request: RecordedRequest): boolean {
  return request.path.startsWith('/api/v1/');
}

function bearer(request: RecordedRequest): string | undefined {
  const header = request.headers.authorization;
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim() || undefined;
}

function maskKey(key: string): string {
  return key.length <= 8 ? key : `${key.slice(0, 3)}${'*'.repeat(Math.min(20, key.length - 7))}${key.slice(-4)}`;
}

/** The text of the last user message (string content or its text parts). */
function promptText(messages: unknown[]): string {
  const users = messages.filter((m): m is { role: string; content: unknown } => {
    return typeof m === 'object' && m !== null && (m as { role?: unknown }).role === 'user';
  });
  const content = users.at(-1)?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .filter((p): p is { type: 'text'; text: string } => (p as { type?: unknown }).type === 'text')
      .map((p) => p.text)
      .join('\n');
  }
  return '';
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * What the fake "sees" in an image: for a `data:` URL (how clients send local files), the decoded
 * bytes as text, so a test flags an image by putting a word in it (a PNG text chunk); for an
 * `https:` URL, the address itself.
 */
function imageContent(url: string): string {
  const data = /^data:image\/[a-z]+;base64,(.*)$/s.exec(url);
  return (data ? Buffer.from(data[1] ?? '', 'base64').toString('latin1') : url).toLowerCase();
}

/** OpenAI accepts `https:` URLs and `data:image/{png,jpeg,webp,gif};base64,` URLs. */
function isUsableImageUrl(url: string): boolean {
  if (url.startsWith('https://') || url.startsWith('http://')) return true;
  return /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/=]+$/.test(url);
}
