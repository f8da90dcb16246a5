/**
 * A local fake of the Telegram Bot API (https://core.telegram.org/bots/api) so tests drive the real
 * grammY client over real HTTP: `new Bot(token, { client: { apiRoot: fake.apiRoot } })`.
 *
 * It records every call, answers with realistic objects, long-polls `getUpdates`, serves files for
 * `getFile` downloads, and can simulate flood control (429 + retry_after) and injected failures.
 * Error descriptions copy Telegram's where they are known; a few are approximations (noted inline).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Update, UserFromGetMe } from 'grammy/types';
import {
  BodyTooLargeError,
  closeServer,
  imageSize,
  listenOnRandomPort,
  parseBody,
  type ParsedBody,
  RecordLog,
  type UploadedFile,
} from '#tests/fakes/fake-http';

/** Flood-control simulation; limits from https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this */
export type TelegramFloodLimit = {
  /** Messages per second to one chat (Telegram: about 1). */
  perChatPerSecond?: number;
  /** Messages per second over all chats (Telegram: about 30). */
  globalPerSecond?: number;
  /** Messages per minute to one group or supergroup (Telegram: 20). */
  perGroupPerMinute?: number;
  /** Fixed `retry_after` in seconds; computed from the window when omitted. */
  retryAfter?: number;
  /** Count edits (`editMessage*`) like messages, as Telegram does under load. Off by default. */
  countEdits?: boolean;
};

/** Options for {@link startFakeTelegram}. */
export type FakeTelegramOptions = {
  /** When set, any other token gets 401 Unauthorized, as Telegram does for a revoked token. */
  token?: string;
  /** Overrides fields of the getMe answer. The id defaults to the numeric prefix of the token. */
  botInfo?: Partial<UserFromGetMe>;
  /**
   * Simulates flood control on message-sending methods (send* except sendChatAction, copy*,
   * forward*). `true` means 1/s per chat, 30/s overall and 20/min per group. Off by default.
   */
  floodLimit?: boolean | TelegramFloodLimit;
};

/** A file part of a recorded call, with the parameter that referenced it. */
export type TelegramUpload = UploadedFile & {
  /** Parameter path that pointed at this part (`photo`, `media[1].media`), if any. */
  ref: string | undefined;
};

/** Telegram's response envelope. */
export type TelegramResponse =
  | { ok: true; result: unknown }
  | {
      ok: false;
      error_code: number;
      description: string;
      parameters?: { retry_after?: number; migrate_to_chat_id?: number };
    };

/** One recorded Bot API call. */
export type TelegramCall = {
  /** Method name as sent (grammY sends camelCase, e.g. `sendPhoto`). */
  method: string;
  token: string;
  /**
   * Parameters. JSON bodies as sent; form and multipart fields are decoded: JSON-looking values
   * parsed, integers and booleans converted, free-text fields (text, caption, data...) kept as strings.
   */
  params: Record<string, unknown>;
  files: TelegramUpload[];
  at: number;
  /** HTTP status of the answer (200, or the error code). */
  status: number;
  response: TelegramResponse | undefined;
};

/** Failure to inject with {@link FakeTelegram.failNext}. */
export type TelegramFailure = {
  status?: number;
  description?: string;
  retryAfter?: number;
  /** How many consecutive calls fail (default 1). */
  times?: number;
};

/** A webhook POST made by the fake after {@link FakeTelegram.pushUpdate} while a webhook is set. */
export type TelegramWebhookDelivery = { updateId: number; url: string; status: number; at: number };

type JsonObject = Record<string, unknown>;
type Outcome =
  | { result: unknown }
  | { error: { status: number; description: string; parameters?: { retry_after?: number } } };
type StoredFile = { fileId: string; uniqueId: string; bytes: Buffer; path: string };
type Poller = { limit: number; settle: (outcome: Outcome) => void; timer: NodeJS.Timeout };
type CallContext = { call: TelegramCall; params: JsonObject };
type Handler = (ctx: CallContext) => Outcome | Promise<Outcome>;

const DEFAULT_UPDATE_TYPES_EXCLUDED = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const TEXT_PARAMS = new Set([
  'text',
  'caption',
  'title',
  'description',
  'payload',
  'start_parameter',
  'url',
  'secret_token',
  'callback_query_id',
  'pre_checkout_query_id',
  'inline_query_id',
  'shipping_query_id',
  'telegram_payment_charge_id',
  'provider_token',
  'currency',
  'file_id',
  'parse_mode',
  'action',
  'inline_message_id',
  'business_connection_id',
  'message_effect_id',
  'error_message',
  'emoji',
  'question',
  'name',
  'short_description',
  'language_code',
  'ip_address',
  'photo',
  'document',
  'video',
  'animation',
  'audio',
  'voice',
  'sticker',
  'video_note',
  'thumbnail',
  'certificate',
]);
const MEDIA_METHODS: Record<string, string> = {
  sendphoto: 'photo',
  senddocument: 'document',
  sendvideo: 'video',
  sendanimation: 'animation',
  sendaudio: 'audio',
  sendvoice: 'voice',
  sendsticker: 'sticker',
  sendvideonote: 'video_note',
};
const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);
const TRUE_METHODS = [
  'logOut',
  'close',
  'setMyDescription',
  'setMyShortDescription',
  'setMyName',
  'setChatMenuButton',
  'setMyDefaultAdministratorRights',
  'answerInlineQuery',
  'answerShippingQuery',
  'pinChatMessage',
  'unpinChatMessage',
  'setMessageReaction',
  'leaveChat',
];
const PHOTO_SIDES = [90, 320, 800, 1280];
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/** A running fake Bot API server. Create it with {@link startFakeTelegram}. */
export class FakeTelegram {
  /** Every call, in arrival order. */
  readonly calls: TelegramCall[];
  /** Webhook POSTs made for pushed updates while a local webhook was set. */
  readonly webhookDeliveries: TelegramWebhookDelivery[] = [];
  /** How many calls were refused with 429 by the flood simulation. */
  tooManyRequests = 0;
  /** The webhook set with setWebhook, if any. */
  webhook: { url: string; secretToken: string | undefined; allowedUpdates: string[] | undefined } | undefined;

  private readonly log = new RecordLog<TelegramCall>();
  private readonly handlers = new Map<string, Handler>();
  private readonly queue: Update[] = [];
  private readonly pollers = new Set<Poller>();
  private readonly files = new Map<string, StoredFile>();
  private readonly filesByPath = new Map<string, StoredFile>();
  private readonly messages = new Map<string, JsonObject>();
  private readonly chats = new Map<number, JsonObject>();
  private readonly users = new Map<number, JsonObject>();
  private readonly openCallbackQueries = new Set<string>();
  private readonly openPreCheckoutQueries = new Set<string>();
  private readonly charges = new Map<string, { userId: number; refunded: boolean }>();
  /** The bot's Star transactions in chronological order, as getStarTransactions lists them. */
  private readonly starTransactions: JsonObject[] = [];
  private readonly blockedChats = new Set<number>();
  private readonly commands = new Map<string, unknown[]>();
  private readonly failures = new Map<string, TelegramFailure[]>();
  private readonly flood:
    | (Required<Omit<TelegramFloodLimit, 'retryAfter' | 'countEdits'>> & { retryAfter?: number; countEdits: boolean })
    | undefined;
  private readonly sentAt = { global: [] as number[], perChat: new Map<number, number[]>() };
  private readonly webhookAborts = new Set<AbortController>();
  private allowedUpdates: string[] | undefined;
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private nextFileSeq = 1;
  private nextQueryId = 1;
  private closed = false;
  private server: Server | undefined;
  private port = 0;

  private constructor(private readonly options: FakeTelegramOptions) {
    this.calls = this.log.items;
    this.flood =
      options.floodLimit === true
        ? { perChatPerSecond: 1, globalPerSecond: 30, perGroupPerMinute: 20, countEdits: false }
        : options.floodLimit
          ? {
              perChatPerSecond: options.floodLimit.perChatPerSecond ?? Infinity,
              globalPerSecond: options.floodLimit.globalPerSecond ?? Infinity,
              perGroupPerMinute: options.floodLimit.perGroupPerMinute ?? Infinity,
              ...(options.floodLimit.retryAfter === undefined ? {} : { retryAfter: options.floodLimit.retryAfter }),
              countEdits: options.floodLimit.countEdits ?? false,
            }
          : undefined;
    this.registerHandlers();
  }

  /** @internal Use {@link startFakeTelegram}. */
  static async start(options: FakeTelegramOptions): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options);
    fake.server = createServer((req, res) => {
      fake.route(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(error)}` });
      });
    });
    fake.port = await listenOnRandomPort(fake.server);
    return fake;
  }

  /** Value for grammY's `client.apiRoot`, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The user returned by getMe (and used as `from` of every message the bot sends). */
  get botInfo(): UserFromGetMe {
    const prefix = Number((this.options.token ?? '').split(':')[0]);
    return {
      id: Number.isSafeInteger(prefix) && prefix > 0 ? prefix : 7_000_000_001,
      is_bot: true,
      first_name: 'Imagine Test Bot',
      username: 'imagine_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
      ...this.options.botInfo,
    };
  }

  /** Calls of one method (case-insensitive), in order. */
  callsOf(method: string): TelegramCall[] {
    const wanted = method.toLowerCase();
    return this.calls.filter((call) => call.method.toLowerCase() === wanted);
  }

  /**
   * Resolves with the first call of `method` (already recorded or future) that matches
   * `predicate`. Past calls count, so give a predicate when a method is called repeatedly.
   */
  waitForCall(
    method: string,
    predicate: (call: TelegramCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<TelegramCall> {
    const wanted = method.toLowerCase();
    return this.log.waitFor(
      (call) => call.method.toLowerCase() === wanted && predicate(call),
      timeoutMs,
      () => `Telegram call ${method}; calls so far: ${this.calls.map((call) => call.method).join(', ') || 'none'}`,
    );
  }

  /** Makes the next `times` calls of `method` fail with the given status and description. */
  failNext(method: string, failure: TelegramFailure = {}): void {
    const key = method.toLowerCase();
    const list = this.failures.get(key) ?? [];
    for (let i = 0; i < (failure.times ?? 1); i += 1) list.push(failure);
    this.failures.set(key, list);
  }

  /** Makes every later send to `chatId` fail with 403 "Forbidden: bot was blocked by the user". */
  blockChat(chatId: number): void {
    this.blockedChats.add(chatId);
  }

  /** Registers bytes under `fileId` so getFile and the file download route serve them. */
  addFile(
    fileId: string,
    bytes: Buffer,
    options: { path?: string } = {},
  ): { file_id: string; file_unique_id: string; file_size: number; file_path: string } {
    const stored: StoredFile = {
      fileId,
      uniqueId: `U${fileId.slice(-12)}${this.nextFileSeq}`,
      bytes,
      path: options.path ?? `documents/file_${this.nextFileSeq}${extensionFor(bytes)}`,
    };
    this.nextFileSeq += 1;
    this.files.set(fileId, stored);
    this.filesByPath.set(stored.path, stored);
    return { file_id: fileId, file_unique_id: stored.uniqueId, file_size: bytes.length, file_path: stored.path };
  }

  /** The bytes registered under `fileId` (uploads by the bot are registered too). */
  fileBytes(fileId: string): Buffer | undefined {
    return this.files.get(fileId)?.bytes;
  }

  /** A message the fake knows (sent by the bot or built by a helper), as Telegram would return it. */
  message(chatId: number, messageId: number): JsonObject | undefined {
    return this.messages.get(messageKey(chatId, messageId));
  }

  /**
   * Queues an update for getUpdates, assigning `update_id` when missing, or POSTs it to the webhook
   * when one is set on 127.0.0.1/localhost. Wakes a held getUpdates at once.
   */
  pushUpdate(update: Omit<Update, 'update_id'> & { update_id?: number }): Update {
    const full = { ...update, update_id: update.update_id ?? this.allocateUpdateId() } as Update;
    if (full.update_id >= this.nextUpdateId) this.nextUpdateId = full.update_id + 1;
    if (this.webhook && isLocalUrl(this.webhook.url)) {
      void this.deliverToWebhook(full);
      return full;
    }
    this.queue.push(full);
    this.wakePollers();
    return full;
  }

  /** {@link pushUpdate} for several updates, in order. */
  pushUpdates(updates: Array<Omit<Update, 'update_id'> & { update_id?: number }>): Update[] {
    return updates.map((update) => this.pushUpdate(update));
  }

  /** Updates queued and not yet confirmed by a getUpdates offset. */
  pendingUpdates(): readonly Update[] {
    return this.queue;
  }

  /**
   * Builds a message update from a user (not queued: pass it to {@link pushUpdate} or
   * {@link postWebhook}). Commands at word starts get `bot_command` entities, which grammY's
   * `bot.command()` needs. A photo is registered so the bot can getFile and download it.
   */
  messageUpdate(options: {
    chatId?: number;
    fromId: number;
    text?: string;
    caption?: string;
    chatType?: 'private' | 'group' | 'supergroup' | 'channel';
    languageCode?: string;
    username?: string;
    firstName?: string;
    photo?: Buffer | { bytes: Buffer; fileId?: string };
    document?: { bytes: Buffer; fileName?: string; mimeType?: string; fileId?: string };
    replyTo?: number;
  }): Update {
    const from = this.rememberUser(options.fromId, options);
    const chat = this.rememberChat(
      options.chatId ?? options.fromId,
      options.chatType ?? (options.chatId === undefined || options.chatId > 0 ? 'private' : 'supergroup'),
      from,
    );
    const message: JsonObject = { message_id: this.allocateMessageId(), from, chat, date: unixNow() };
    if (options.text !== undefined) {
      message.text = options.text;
      const entities = commandEntities(options.text);
      if (entities.length > 0) message.entities = entities;
    }
    if (options.photo !== undefined) {
      const photo = Buffer.isBuffer(options.photo) ? { bytes: options.photo } : options.photo;
      message.photo = this.photoSizes(photo.bytes, photo.fileId);
    }
    if (options.document !== undefined) {
      message.document = this.storeMedia(
        'document',
        options.document.bytes,
        options.document.fileName ?? 'file.bin',
        options.document.mimeType,
        options.document.fileId,
      );
    }
    if (options.caption !== undefined) {
      message.caption = options.caption;
      const entities = commandEntities(options.caption);
      if (entities.length > 0) message.caption_entities = entities;
    }
    if (options.replyTo !== undefined) message.reply_to_message = this.messageFor(chat, options.replyTo);
    this.storeMessage(message);
    return { update_id: this.allocateUpdateId(), message } as unknown as Update;
  }

  /**
   * Builds a callback_query update for a button on message `messageId` (a message the bot sent,
   * or a synthesized bot message). The query id must be answered once with answerCallbackQuery.
   */
  callbackUpdate(options: {
    chatId: number;
    fromId: number;
    data: string;
    messageId: number;
    languageCode?: string;
  }): Update {
    const from = this.rememberUser(options.fromId, options);
    const chat = this.rememberChat(options.chatId, options.chatId > 0 ? 'private' : 'supergroup', from);
    const id = String(this.nextQueryId++ * 1_000_003 + 4_000_000_000_000);
    this.openCallbackQueries.add(id);
    return {
      update_id: this.allocateUpdateId(),
      callback_query: {
        id,
        from,
        message: this.messageFor(chat, options.messageId),
        chat_instance: String(Math.abs(options.chatId) * 7 + 13),
        data: options.data,
      },
    } as unknown as Update;
  }

  /** Builds a pre_checkout_query update (currency defaults to Telegram Stars, `XTR`). */
  preCheckoutUpdate(options: {
    fromId: number;
    payload: string;
    total_amount: number;
    currency?: string;
    languageCode?: string;
  }): Update {
    const from = this.rememberUser(options.fromId, options);
    const id = String(this.nextQueryId++ * 1_000_003 + 5_000_000_000_000);
    this.openPreCheckoutQueries.add(id);
    return {
      update_id: this.allocateUpdateId(),
      pre_checkout_query: {
        id,
        from,
        currency: options.currency ?? 'XTR',
        total_amount: options.total_amount,
        invoice_payload: options.payload,
      },
    } as unknown as Update;
  }

  /** Builds a message update carrying `successful_payment`; its charge id can be refunded once. */
  successfulPaymentUpdate(options: {
    chatId?: number;
    fromId: number;
    payload: string;
    total_amount: number;
    telegram_payment_charge_id?: string;
    currency?: string;
  }): Update {
    const from = this.rememberUser(options.fromId, {});
    const chat = this.rememberChat(options.chatId ?? options.fromId, 'private', from);
    const chargeId = options.telegram_payment_charge_id ?? `stxFakeCharge${this.nextQueryId++}`;
    this.charges.set(chargeId, { userId: options.fromId, refunded: false });
    if ((options.currency ?? 'XTR') === 'XTR') {
      // The payment is a transaction of the bot whether or not its update ever reaches the bot.
      this.starTransactions.push({
        id: chargeId,
        amount: options.total_amount,
        date: unixNow(),
        source: { type: 'user', transaction_type: 'invoice_payment', user: from, invoice_payload: options.payload },
      });
    }
    const message: JsonObject = {
      message_id: this.allocateMessageId(),
      from,
      chat,
      date: unixNow(),
      successful_payment: {
        currency: options.currency ?? 'XTR',
        total_amount: options.total_amount,
        invoice_payload: options.payload,
        telegram_payment_charge_id: chargeId,
        provider_payment_charge_id: '',
      },
    };
    this.storeMessage(message);
    return { update_id: this.allocateUpdateId(), message } as unknown as Update;
  }

  /** Stops the server: held getUpdates are answered with `[]` at once, waits are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const poller of [...this.pollers]) poller.settle({ result: [] });
    // Let the released long polls write their answers before connections are dropped.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const controller of this.webhookAborts) controller.abort();
    this.log.rejectAll('fake Telegram closed');
    if (this.server) await closeServer(this.server);
  }

  private allocateUpdateId(): number {
    return this.nextUpdateId++;
  }

  private allocateMessageId(): number {
    return this.nextMessageId++;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch && req.method === 'GET') {
      const stored = this.filesByPath.get(decodeURIComponent(fileMatch[2] ?? ''));
      if (!stored || !this.isTokenAccepted(decodeURIComponent(fileMatch[1] ?? ''))) {
        sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stored.bytes.length });
      res.end(stored.bytes);
      return;
    }
    const match = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(url.pathname);
    if (!match) {
      sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    const token = decodeURIComponent(match[1] ?? '');
    const method = match[2] ?? '';
    let body: ParsedBody;
    try {
      body = await parseBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendJson(res, 413, { ok: false, error_code: 413, description: 'Request Entity Too Large' });
        return;
      }
      sendJson(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${String(error)}` });
      return;
    }
    const params: JsonObject = {};
    for (const [key, value] of url.searchParams) params[key] = coerceField(key, value);
    if (body.kind === 'json' && isObject(body.json)) Object.assign(params, body.json);
    for (const [key, value] of body.fields) params[key] = coerceField(key, value);
    const refs = new Map<string, string>();
    collectAttachRefs(params, '', refs);
    const files: TelegramUpload[] = body.files.map((file) => ({
      ...file,
      ref: refs.get(file.field) ?? (file.field in params ? undefined : file.field),
    }));
    const call: TelegramCall = { method, token, params, files, at: Date.now(), status: 0, response: undefined };

    const outcome = await this.dispatch(call, res);
    const response: TelegramResponse =
      'error' in outcome
        ? {
            ok: false,
            error_code: outcome.error.status,
            description: outcome.error.description,
            ...(outcome.error.parameters ? { parameters: outcome.error.parameters } : {}),
          }
        : { ok: true, result: outcome.result };
    call.status = 'error' in outcome ? outcome.error.status : 200;
    call.response = response;
    if (!res.destroyed) sendJson(res, call.status, response);
  }

  private async dispatch(call: TelegramCall, res: ServerResponse): Promise<Outcome> {
    const key = call.method.toLowerCase();
    if (!this.isTokenAccepted(call.token)) return this.recordNow(call, fail(401, 'Unauthorized'));
    const handler = this.handlers.get(key);
    if (!handler) return this.recordNow(call, fail(404, 'Not Found'));
    const failure = this.failures.get(key)?.shift();
    if (failure) {
      const status = failure.status ?? 400;
      const description =
        failure.description ??
        (status === 429
          ? `Too Many Requests: retry after ${failure.retryAfter ?? 1}`
          : 'Bad Request: injected failure');
      return this.recordNow(call, {
        error: {
          status,
          description,
          ...(failure.retryAfter !== undefined || status === 429
            ? { parameters: { retry_after: failure.retryAfter ?? 1 } }
            : {}),
        },
      });
    }
    const chatId = toChatId(call.params.chat_id);
    const isCounted = isMessageSending(key) || (this.flood?.countEdits === true && key.startsWith('editmessage'));
    if (isCounted && chatId !== undefined) {
      if (this.blockedChats.has(chatId))
        return this.recordNow(call, fail(403, 'Forbidden: bot was blocked by the user'));
      const retryAfter = this.checkFlood(chatId);
      if (retryAfter !== undefined) {
        this.tooManyRequests += 1;
        return this.recordNow(call, {
          error: {
            status: 429,
            description: `Too Many Requests: retry after ${retryAfter}`,
            parameters: { retry_after: retryAfter },
          },
        });
      }
    }
    if (key === 'getupdates') {
      // Recorded on arrival so tests can wait for the bot to start polling.
      call.status = 200;
      this.log.push(call);
      return this.getUpdates(call.params, res);
    }
    let outcome: Outcome;
    try {
      outcome = await handler({ call, params: call.params });
    } catch (error) {
      outcome = fail(400, `Bad Request: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!('error' in outcome) && isCounted && chatId !== undefined) this.noteSent(chatId);
    return this.recordNow(call, outcome);
  }

  private recordNow(call: TelegramCall, outcome: Outcome): Outcome {
    call.status = 'error' in outcome ? outcome.error.status : 200;
    call.response =
      'error' in outcome
        ? {
            ok: false,
            error_code: outcome.error.status,
            description: outcome.error.description,
            ...(outcome.error.parameters ? { parameters: outcome.error.parameters } : {}),
          }
        : { ok: true, result: outcome.result };
    this.log.push(call);
    return outcome;
  }

  private isTokenAccepted(token: string): boolean {
    return this.options.token === undefined || this.options.token === token;
  }

  private checkFlood(chatId: number): number | undefined {
    if (!this.flood) return undefined;
    const now = Date.now();
    const chatTimes = (this.sentAt.perChat.get(chatId) ?? []).filter((t) => t > now - 60_000);
    this.sentAt.perChat.set(chatId, chatTimes);
    this.sentAt.global = this.sentAt.global.filter((t) => t > now - 1000);
    const waits: number[] = [];
    const lastSecond = chatTimes.filter((t) => t > now - 1000);
    if (lastSecond.length >= this.flood.perChatPerSecond)
      waits.push((lastSecond[lastSecond.length - this.flood.perChatPerSecond] ?? now) + 1000 - now);
    if (this.sentAt.global.length >= this.flood.globalPerSecond)
      waits.push((this.sentAt.global[this.sentAt.global.length - this.flood.globalPerSecond] ?? now) + 1000 - now);
    if (chatId < 0 && chatTimes.length >= this.flood.perGroupPerMinute)
      waits.push((chatTimes[chatTimes.length - this.flood.perGroupPerMinute] ?? now) + 60_000 - now);
    if (waits.length === 0) return undefined;
    return this.flood.retryAfter ?? Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  }

  private noteSent(chatId: number): void {
    if (!this.flood) return;
    const now = Date.now();
    this.sentAt.global.push(now);
    const list = this.sentAt.perChat.get(chatId) ?? [];
    list.push(now);
    this.sentAt.perChat.set(chatId, list);
  }

  private getUpdates(params: JsonObject, res: ServerResponse): Promise<Outcome> | Outcome {
    if (this.webhook) {
      return fail(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = typeof params.offset === 'number' ? params.offset : 0;
    const limit = Math.min(100, Math.max(1, typeof params.limit === 'number' ? params.limit : 100));
    const timeout = typeof params.timeout === 'number' ? params.timeout : 0;
    if (Array.isArray(params.allowed_updates)) {
      this.allowedUpdates = params.allowed_updates.length === 0 ? undefined : params.allowed_updates.map(String);
    }
    if (offset > 0) this.confirmBelow(offset);
    if (offset < 0) this.queue.splice(0, Math.max(0, this.queue.length + offset));
    this.dropDisallowed();
    // Telegram lets only one long poll run: an older one ends with 409.
    for (const poller of [...this.pollers]) {
      poller.settle(
        fail(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'),
      );
    }
    if (this.queue.length > 0 || timeout <= 0 || this.closed) return { result: this.queue.slice(0, limit) };
    return new Promise<Outcome>((resolve) => {
      const poller: Poller = {
        limit,
        settle: (outcome) => {
          if (!this.pollers.delete(poller)) return;
          clearTimeout(poller.timer);
          resolve(outcome);
        },
        timer: setTimeout(() => poller.settle({ result: [] }), timeout * 1000),
      };
      this.pollers.add(poller);
      res.on('close', () => {
        if (!res.writableFinished) poller.settle({ result: [] });
      });
    });
  }

  private confirmBelow(offset: number): void {
    let keep = 0;
    while (keep < this.queue.length && (this.queue[keep]?.update_id ?? 0) < offset) keep += 1;
    this.queue.splice(0, keep);
  }

  private dropDisallowed(): void {
    for (let i = this.queue.length - 1; i >= 0; i -= 1) {
      const update = this.queue[i];
      if (update && !this.isAllowed(update)) this.queue.splice(i, 1);
    }
  }

  private isAllowed(update: Update): boolean {
    const type = Object.keys(update).find((key) => key !== 'update_id') ?? '';
    return this.allowedUpdates ? this.allowedUpdates.includes(type) : !DEFAULT_UPDATE_TYPES_EXCLUDED.has(type);
  }

  private wakePollers(): void {
    this.dropDisallowed();
    if (this.queue.length === 0) return;
    for (const poller of [...this.pollers]) poller.settle({ result: this.queue.slice(0, poller.limit) });
  }

  private async deliverToWebhook(update: Update): Promise<void> {
    const webhook = this.webhook;
    if (!webhook) return;
    const controller = new AbortController();
    this.webhookAborts.add(controller);
    let status = 0;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(webhook.secretToken ? { 'x-telegram-bot-api-secret-token': webhook.secretToken } : {}),
        },
        body: JSON.stringify(update),
        signal: controller.signal,
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    } finally {
      this.webhookAborts.delete(controller);
    }
    this.webhookDeliveries.push({ updateId: update.update_id, url: webhook.url, status, at: Date.now() });
  }

  private rememberUser(
    id: number,
    options: { languageCode?: string; username?: string; firstName?: string },
  ): JsonObject {
    const previous = this.users.get(id);
    const user: JsonObject = {
      id,
      is_bot: false,
      first_name: options.firstName ?? (previous?.first_name as string | undefined) ?? `User${id}`,
      ...((options.username ?? previous?.username) ? { username: options.username ?? previous?.username } : {}),
      ...((options.languageCode ?? previous?.language_code)
        ? { language_code: options.languageCode ?? previous?.language_code }
        : {}),
    };
    this.users.set(id, user);
    return user;
  }

  private rememberChat(id: number, type: string, from: JsonObject): JsonObject {
    const known = this.chats.get(id);
    if (known) return known;
    const chat: JsonObject =
      type === 'private'
        ? { id, type, first_name: from.first_name, ...(from.username ? { username: from.username } : {}) }
        : { id, type, title: `Test ${type} ${id}` };
    this.chats.set(id, chat);
    return chat;
  }

  private chatFor(chatId: number): JsonObject {
    const known = this.chats.get(chatId);
    if (known) return known;
    if (chatId > 0) return { id: chatId, type: 'private', first_name: `User${chatId}` };
    return { id: chatId, type: chatId < -1_000_000_000_000 ? 'supergroup' : 'group', title: `Test chat ${chatId}` };
  }

  /** A stored message, or a synthesized text message from the bot with that id. */
  private messageFor(chat: JsonObject, messageId: number): JsonObject {
    const chatId = chat.id as number;
    const known = this.messages.get(messageKey(chatId, messageId));
    if (known) return known;
    const synthesized: JsonObject = { message_id: messageId, from: this.botInfo, chat, date: unixNow(), text: '…' };
    this.storeMessage(synthesized);
    if (messageId >= this.nextMessageId) this.nextMessageId = messageId + 1;
    return synthesized;
  }

  private storeMessage(message: JsonObject): void {
    this.messages.set(messageKey((message.chat as JsonObject).id as number, message.message_id as number), message);
  }

  private photoSizes(bytes: Buffer, fileId?: string): JsonObject[] {
    const size = imageSize(bytes) ?? { width: 1280, height: 1280 };
    const longest = Math.max(size.width, size.height);
    const sides = [...PHOTO_SIDES.filter((side) => side < longest), Math.min(longest, 2560)];
    return sides.map((side, index) => {
      const isLargest = index === sides.length - 1;
      const id = isLargest && fileId ? fileId : `AgACAgFake${this.nextFileSeq}x${side}`;
      const stored = this.addFile(id, bytes, { path: `photos/file_${this.nextFileSeq}.jpg` });
      const scale = side / longest;
      return {
        file_id: stored.file_id,
        file_unique_id: stored.file_unique_id,
        file_size: bytes.length,
        width: Math.max(1, Math.round(size.width * scale)),
        height: Math.max(1, Math.round(size.height * scale)),
      };
    });
  }

  private storeMedia(
    kind: string,
    bytes: Buffer,
    fileName: string,
    mimeType: string | undefined,
    fileId?: string,
  ): JsonObject {
    const stored = this.addFile(fileId ?? `BQACAgFake${kind}${this.nextFileSeq}`, bytes, {
      path: `${kind}s/file_${this.nextFileSeq}${extensionFor(bytes, fileName)}`,
    });
    const dims = imageSize(bytes);
    return {
      file_id: stored.file_id,
      file_unique_id: stored.file_unique_id,
      file_size: bytes.length,
      ...(kind === 'photo' || kind === 'voice' || kind === 'video_note' || kind === 'sticker'
        ? {}
        : { file_name: fileName }),
      ...(kind === 'sticker' ? {} : { mime_type: mimeType ?? mimeFor(bytes, fileName) }),
      ...(kind === 'video' || kind === 'animation'
        ? { width: dims?.width ?? 1280, height: dims?.height ?? 720, duration: 5 }
        : {}),
      ...(kind === 'audio' || kind === 'voice' ? { duration: 5 } : {}),
      ...(kind === 'video_note' ? { length: 240, duration: 5 } : {}),
      ...(kind === 'sticker' ? { type: 'regular', width: 512, height: 512, is_animated: false, is_video: false } : {}),
    };
  }

  /** Resolves an InputFile parameter: `attach://id`, a field upload, a known file_id or a URL. */
  private resolveInput(
    call: TelegramCall,
    value: unknown,
    field: string,
  ): { bytes: Buffer; fileName: string; mime: string | undefined } | { error: Outcome } {
    if (typeof value === 'string' && value.startsWith('attach://')) {
      const part = call.files.find((file) => file.field === value.slice('attach://'.length));
      if (!part) return { error: fail(400, `Bad Request: file ${value} not found in the request`) };
      return {
        bytes: part.bytes,
        fileName: part.filename,
        mime: part.mime === 'application/octet-stream' ? undefined : part.mime,
      };
    }
    if (value === undefined) {
      const part = call.files.find((file) => file.field === field);
      if (!part) return { error: fail(400, `Bad Request: there is no ${field} in the request`) };
      return { bytes: part.bytes, fileName: part.filename, mime: undefined };
    }
    if (typeof value !== 'string' || value === '')
      return { error: fail(400, `Bad Request: there is no ${field} in the request`) };
    const known = this.files.get(value);
    if (known) return { bytes: known.bytes, fileName: known.path.split('/').pop() ?? 'file', mime: undefined };
    if (/^https?:\/\//.test(value)) {
      // Telegram would download the URL; the fake stores an empty placeholder instead.
      return { bytes: Buffer.alloc(0), fileName: value.split('/').pop() || 'file', mime: undefined };
    }
    return { error: fail(400, 'Bad Request: wrong file identifier/HTTP URL specified') };
  }

  private mediaField(
    call: TelegramCall,
    kind: string,
    value: unknown,
    field: string,
    hasSpoiler: boolean,
  ): { media: JsonObject } | { error: Outcome } {
    const input = this.resolveInput(call, value, field);
    if ('error' in input) return input;
    if (input.bytes.length > MAX_UPLOAD_BYTES) return { error: fail(413, 'Request Entity Too Large') };
    if (kind === 'photo') {
      if (input.bytes.length > MAX_PHOTO_BYTES) return { error: fail(400, 'Bad Request: PHOTO_SAVE_FILE_INVALID') };
      const dims = imageSize(input.bytes);
      if (
        dims &&
        (dims.width + dims.height > 10_000 ||
          Math.max(dims.width, dims.height) / Math.max(1, Math.min(dims.width, dims.height)) > 20)
      ) {
        return { error: fail(400, 'Bad Request: PHOTO_INVALID_DIMENSIONS') };
      }
      return { media: { photo: this.photoSizes(input.bytes), ...(hasSpoiler ? { has_media_spoiler: true } : {}) } };
    }
    return {
      media: {
        [kind]: this.storeMedia(kind, input.bytes, input.fileName || `${kind}.dat`, input.mime),
        ...(hasSpoiler ? { has_media_spoiler: true } : {}),
      },
    };
  }

  /** Builds, validates and stores an outgoing message; the common part of every send*. */
  private outgoing(params: JsonObject, content: JsonObject): { message: JsonObject } | { error: Outcome } {
    const chatId = toChatId(params.chat_id);
    if (chatId === undefined) return { error: fail(400, 'Bad Request: chat_id is empty') };
    const markupError = validateReplyMarkup(params.reply_markup);
    if (markupError) return { error: fail(400, markupError) };
    if (typeof params.caption === 'string') {
      if (visibleLength(params.caption, params.parse_mode) > 1024)
        return { error: fail(400, 'Bad Request: message caption is too long') };
    }
    const chat = this.chatFor(chatId);
    const message: JsonObject = {
      message_id: this.allocateMessageId(),
      from: this.botInfo,
      chat,
      date: unixNow(),
      ...content,
    };
    if (typeof params.message_thread_id === 'number') message.message_thread_id = params.message_thread_id;
    if (typeof params.caption === 'string') message.caption = params.caption;
    if (isObject(params.reply_markup) && 'inline_keyboard' in params.reply_markup)
      message.reply_markup = params.reply_markup;
    const replyTo = isObject(params.reply_parameters) ? params.reply_parameters.message_id : params.reply_to_message_id;
    if (typeof replyTo === 'number') {
      const replied = this.messages.get(messageKey(chatId, replyTo));
      const allowWithout =
        isObject(params.reply_parameters) && params.reply_parameters.allow_sending_without_reply === true;
      if (!replied && !allowWithout) return { error: fail(400, 'Bad Request: message to be replied not found') };
      if (replied) message.reply_to_message = replied;
    }
    this.storeMessage(message);
    return { message };
  }

  private editable(params: JsonObject): { message: JsonObject } | { inline: true } | { error: Outcome } {
    if (typeof params.inline_message_id === 'string') return { inline: true };
    const chatId = toChatId(params.chat_id);
    if (chatId === undefined) return { error: fail(400, 'Bad Request: chat_id is empty') };
    const message =
      typeof params.message_id === 'number' ? this.messages.get(messageKey(chatId, params.message_id)) : undefined;
    if (!message) return { error: fail(400, 'Bad Request: message to edit not found') };
    if ((message.from as JsonObject | undefined)?.id !== this.botInfo.id)
      return { error: fail(400, "Bad Request: message can't be edited") };
    const markupError = validateReplyMarkup(params.reply_markup);
    if (markupError) return { error: fail(400, markupError) };
    return { message };
  }

  private registerHandlers(): void {
    const on = (method: string, handler: Handler): void => {
      this.handlers.set(method.toLowerCase(), handler);
    };
    for (const method of TRUE_METHODS) on(method, () => ({ result: true }));

    on('getMe', () => ({ result: this.botInfo }));
    on('getUpdates', () => ({ result: [] }));
    on('setWebhook', ({ params }) => {
      if (typeof params.url !== 'string' || params.url === '') {
        this.webhook = undefined;
        return { result: true };
      }
      this.webhook = {
        url: params.url,
        secretToken: typeof params.secret_token === 'string' ? params.secret_token : undefined,
        allowedUpdates: Array.isArray(params.allowed_updates) ? params.allowed_updates.map(String) : undefined,
      };
      if (this.webhook.allowedUpdates)
        this.allowedUpdates = this.webhook.allowedUpdates.length ? this.webhook.allowedUpdates : undefined;
      if (params.drop_pending_updates === true) this.queue.length = 0;
      return { result: true };
    });
    on('deleteWebhook', ({ params }) => {
      this.webhook = undefined;
      if (params.drop_pending_updates === true) this.queue.length = 0;
      return { result: true };
    });
    on('getWebhookInfo', () => ({
      result: {
        url: this.webhook?.url ?? '',
        has_custom_certificate: false,
        pending_update_count: this.queue.length,
        ...(this.webhook?.allowedUpdates ? { allowed_updates: this.webhook.allowedUpdates } : {}),
      },
    }));
    on('setMyCommands', ({ params }) => {
      if (!Array.isArray(params.commands)) return fail(400, 'Bad Request: commands must be an array');
      if (params.commands.length > 100) return fail(400, 'Bad Request: too many commands');
      for (const command of params.commands) {
        if (!isObject(command) || typeof command.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(command.command)) {
          return fail(400, 'Bad Request: BOT_COMMAND_INVALID');
        }
        if (
          typeof command.description !== 'string' ||
          command.description.length < 1 ||
          command.description.length > 256
        ) {
          return fail(400, 'Bad Request: command description must be 1-256 characters');
        }
      }
      this.commands.set(commandsKey(params), params.commands);
      return { result: true };
    });
    on('getMyCommands', ({ params }) => ({ result: this.commands.get(commandsKey(params)) ?? [] }));
    on('deleteMyCommands', ({ params }) => {
      this.commands.delete(commandsKey(params));
      return { result: true };
    });
    on('answerCallbackQuery', ({ params }) => {
      const id = String(params.callback_query_id ?? '');
      if (!this.openCallbackQueries.delete(id)) {
        return fail(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
      }
      return { result: true };
    });
    on('answerPreCheckoutQuery', ({ params }) => {
      const id = String(params.pre_checkout_query_id ?? '');
      if (typeof params.ok !== 'boolean') return fail(400, 'Bad Request: parameter "ok" is required');
      if (params.ok === false && (typeof params.error_message !== 'string' || params.error_message === '')) {
        return fail(400, 'Bad Request: error_message is required when ok is false');
      }
      if (!this.openPreCheckoutQueries.delete(id)) return fail(400, 'Bad Request: QUERY_ID_INVALID');
      return { result: true };
    });
    on('refundStarPayment', ({ params }) => {
      const charge = this.charges.get(String(params.telegram_payment_charge_id ?? ''));
      // Descriptions approximate Telegram's.
      if (!charge || charge.userId !== params.user_id) return fail(400, 'Bad Request: CHARGE_NOT_FOUND');
      if (charge.refunded) return fail(400, 'Bad Request: CHARGE_ALREADY_REFUNDED');
      charge.refunded = true;
      // A refund is an outgoing transaction with the id of the payment it returns.
      const paid = this.starTransactions.find(
        (transaction) => transaction.id === params.telegram_payment_charge_id && transaction.source !== undefined,
      );
      const user = this.users.get(charge.userId) ?? { id: charge.userId, is_bot: false, first_name: 'User' };
      this.starTransactions.push({
        id: params.telegram_payment_charge_id,
        amount: paid?.amount ?? 0,
        date: unixNow(),
        receiver: { type: 'user', transaction_type: 'invoice_payment', user },
      });
      return { result: true };
    });
    // https://core.telegram.org/bots/api#getstartransactions: chronological, `offset` skipped, `limit` 1-100 (default 100).
    on('getStarTransactions', ({ params }) => {
      const offset = params.offset === undefined ? 0 : Number(params.offset);
      const limit = params.limit === undefined ? 100 : Number(params.limit);
      if (!Number.isInteger(offset) || offset < 0) return fail(400, 'Bad Request: invalid offset specified');
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        return fail(400, 'Bad Request: invalid limit specified');
      return { result: { transactions: structuredClone(this.starTransactions.slice(offset, offset + limit)) } };
    });
    on('sendChatAction', ({ params }) => {
      if (toChatId(params.chat_id) === undefined) return fail(400, 'Bad Request: chat_id is empty');
      if (typeof params.action !== 'string' || !CHAT_ACTIONS.has(params.action))
        return fail(400, 'Bad Request: wrong parameter action in request');
      return { result: true };
    });
    on('deleteMessage', ({ params }) => {
      const chatId = toChatId(params.chat_id);
      const key = chatId === undefined ? '' : messageKey(chatId, Number(params.message_id));
      if (!this.messages.delete(key)) return fail(400, 'Bad Request: message to delete not found');
      return { result: true };
    });
    on('deleteMessages', ({ params }) => {
      const chatId = toChatId(params.chat_id);
      if (chatId !== undefined && Array.isArray(params.message_ids)) {
        for (const id of params.message_ids) this.messages.delete(messageKey(chatId, Number(id)));
      }
      return { result: true };
    });
    on('getFile', ({ params }) => {
      const stored = this.files.get(String(params.file_id ?? ''));
      if (!stored) return fail(400, 'Bad Request: invalid file_id');
      if (stored.bytes.length > MAX_DOWNLOAD_BYTES) return fail(400, 'Bad Request: file is too big');
      return {
        result: {
          file_id: stored.fileId,
          file_unique_id: stored.uniqueId,
          file_size: stored.bytes.length,
          file_path: stored.path,
        },
      };
    });
    on('getChat', ({ params }) => {
      const chatId = toChatId(params.chat_id);
      const chat = chatId === undefined ? undefined : this.chats.get(chatId);
      if (!chat) return fail(400, 'Bad Request: chat not found');
      return {
        result: {
          ...chat,
          accent_color_id: 0,
          max_reaction_count: 11,
          accepted_gift_types: {
            unlimited_gifts: false,
            limited_gifts: false,
            unique_gifts: false,
            premium_subscription: false,
          },
        },
      };
    });
    on('getChatMember', ({ params }) => {
      const userId = Number(params.user_id);
      const user =
        userId === this.botInfo.id
          ? this.botInfo
          : (this.users.get(userId) ?? { id: userId, is_bot: false, first_name: `User${userId}` });
      return { result: { status: 'member', user } };
    });

    on('sendMessage', ({ params }) => {
      if (typeof params.text !== 'string' || params.text.trim() === '')
        return fail(400, 'Bad Request: message text is empty');
      if (visibleLength(params.text, params.parse_mode) > 4096) return fail(400, 'Bad Request: message is too long');
      const entities = Array.isArray(params.entities) ? { entities: params.entities } : {};
      const built = this.outgoing(params, { text: params.text, ...entities });
      return 'error' in built ? built.error : { result: built.message };
    });
    for (const [method, kind] of Object.entries(MEDIA_METHODS)) {
      on(method, ({ call, params }) => {
        const media = this.mediaField(call, kind, params[kind], kind, params.has_spoiler === true);
        if ('error' in media) return media.error;
        const built = this.outgoing(params, media.media);
        return 'error' in built ? built.error : { result: built.message };
      });
    }
    on('sendMediaGroup', ({ call, params }) => {
      const items = params.media;
      if (!Array.isArray(items) || items.length < 2 || items.length > 10) {
        // Approximates Telegram's answer for a group outside 2-10 items.
        return fail(400, 'Bad Request: wrong number of messages to send: media group must have 2-10 items');
      }
      const groupId = String(13_000_000_000_000 + this.nextMessageId);
      const contents: JsonObject[] = [];
      for (const [index, item] of items.entries()) {
        if (!isObject(item) || typeof item.type !== 'string')
          return fail(400, `Bad Request: can't parse InputMedia at index ${index}`);
        const media = this.mediaField(call, item.type, item.media, `media[${index}]`, item.has_spoiler === true);
        if ('error' in media) return media.error;
        contents.push({
          ...media.media,
          media_group_id: groupId,
          ...(typeof item.caption === 'string' ? { caption: item.caption } : {}),
        });
      }
      const messages: JsonObject[] = [];
      for (const content of contents) {
        const built = this.outgoing({ ...params, reply_markup: undefined, caption: content.caption }, content);
        if ('error' in built) return built.error;
        messages.push(built.message);
      }
      return { result: messages };
    });
    on('sendInvoice', ({ params }) => {
      const invoice = validateInvoice(params);
      if ('error' in invoice) return invoice.error;
      const built = this.outgoing(params, { invoice: invoice.invoice });
      return 'error' in built ? built.error : { result: built.message };
    });
    on('createInvoiceLink', ({ params }) => {
      const invoice = validateInvoice(params);
      if ('error' in invoice) return invoice.error;
      return { result: `https://t.me/$FakeInvoice${this.nextQueryId++}` };
    });
    on('copyMessage', ({ params }) => {
      const fromChat = toChatId(params.from_chat_id);
      const source =
        fromChat === undefined ? undefined : this.messages.get(messageKey(fromChat, Number(params.message_id)));
      if (!source) return fail(400, 'Bad Request: message to copy not found');
      const { message_id: _id, from: _from, chat: _chat, date: _date, reply_to_message: _reply, ...content } = source;
      const built = this.outgoing(params, {
        ...content,
        ...(typeof params.caption === 'string' ? { caption: params.caption } : {}),
      });
      // copyMessage answers with a MessageId, not a Message.
      return 'error' in built ? built.error : { result: { message_id: built.message.message_id } };
    });
    on('forwardMessage', ({ params }) => {
      const fromChat = toChatId(params.from_chat_id);
      const source =
        fromChat === undefined ? undefined : this.messages.get(messageKey(fromChat, Number(params.message_id)));
      if (!source) return fail(400, 'Bad Request: message to forward not found');
      const { message_id: _id, from: _from, chat: _chat, date: _date, reply_to_message: _reply, ...content } = source;
      const built = this.outgoing(params, {
        ...content,
        forward_origin: { type: 'user', sender_user: source.from, date: source.date },
      });
      return 'error' in built ? built.error : { result: built.message };
    });
    on('editMessageText', ({ params }) => {
      if (typeof params.text !== 'string' || params.text.trim() === '')
        return fail(400, 'Bad Request: message text is empty');
      if (visibleLength(params.text, params.parse_mode) > 4096) return fail(400, 'Bad Request: MESSAGE_TOO_LONG');
      const target = this.editable(params);
      if ('error' in target) return target.error;
      if ('inline' in target) return { result: true };
      const { message } = target;
      if (typeof message.text !== 'string') return fail(400, 'Bad Request: there is no text in the message to edit');
      if (message.text === params.text && sameMarkup(message.reply_markup, params.reply_markup)) return notModified();
      message.text = params.text;
      applyMarkup(message, params.reply_markup);
      message.edit_date = unixNow();
      return { result: message };
    });
    on('editMessageCaption', ({ params }) => {
      const target = this.editable(params);
      if ('error' in target) return target.error;
      if ('inline' in target) return { result: true };
      const { message } = target;
      const caption = typeof params.caption === 'string' ? params.caption : undefined;
      if (caption !== undefined && visibleLength(caption, params.parse_mode) > 1024)
        return fail(400, 'Bad Request: message caption is too long');
      if (message.caption === caption && sameMarkup(message.reply_markup, params.reply_markup)) return notModified();
      if (caption === undefined) delete message.caption;
      else message.caption = caption;
      applyMarkup(message, params.reply_markup);
      message.edit_date = unixNow();
      return { result: message };
    });
    on('editMessageReplyMarkup', ({ params }) => {
      const target = this.editable(params);
      if ('error' in target) return target.error;
      if ('inline' in target) return { result: true };
      const { message } = target;
      if (sameMarkup(message.reply_markup, params.reply_markup)) return notModified();
      applyMarkup(message, params.reply_markup);
      message.edit_date = unixNow();
      return { result: message };
    });
    on('editMessageMedia', ({ call, params }) => {
      const target = this.editable(params);
      if ('error' in target) return target.error;
      const input = params.media;
      if (!isObject(input) || typeof input.type !== 'string') return fail(400, "Bad Request: can't parse InputMedia");
      const media = this.mediaField(call, input.type, input.media, 'media', input.has_spoiler === true);
      if ('error' in media) return media.error;
      if ('inline' in target) return { result: true };
      const { message } = target;
      for (const kind of [
        ...Object.values(MEDIA_METHODS),
        'text',
        'entities',
        'caption',
        'caption_entities',
        'has_media_spoiler',
      ])
        delete message[kind];
      Object.assign(message, media.media);
      if (typeof input.caption === 'string') message.caption = input.caption;
      applyMarkup(message, params.reply_markup);
      message.edit_date = unixNow();
      return { result: message };
    });
  }
}

/** Starts a fake Bot API server on 127.0.0.1 with a random port. */
export function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  return FakeTelegram.start(options);
}

/**
 * POSTs `update` to a bot's webhook URL the way Telegram does, with the
 * `X-Telegram-Bot-Api-Secret-Token` header when `secret` is given. Returns the HTTP status
 * (grammY's webhookCallback answers 401 for a wrong or missing secret).
 */
export async function postWebhook(url: string, update: Update, secret?: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': secret }),
    },
    body: JSON.stringify(update),
  });
  await response.arrayBuffer();
  return response.status;
}

function fail(status: number, description: string): Outcome {
  return { error: { status, description } };
}

function notModified(): Outcome {
  return fail(
    400,
    'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function messageKey(chatId: number, messageId: number): string {
  return `${chatId}:${messageId}`;
}

function commandsKey(params: JsonObject): string {
  const scope = isObject(params.scope) ? params.scope : { type: 'default' };
  return `${JSON.stringify(scope)}|${typeof params.language_code === 'string' ? params.language_code : ''}`;
}

function toChatId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function isMessageSending(methodLower: string): boolean {
  return (
    (methodLower.startsWith('send') && methodLower !== 'sendchataction') ||
    methodLower.startsWith('copymessage') ||
    methodLower.startsWith('forwardmessage')
  );
}

function isLocalUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

function coerceField(key: string, value: string): unknown {
  if (TEXT_PARAMS.has(key)) return value;
  if (/^-?\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value.startsWith('{') || value.startsWith('[')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

function collectAttachRefs(value: unknown, path: string, refs: Map<string, string>): void {
  if (typeof value === 'string') {
    if (value.startsWith('attach://')) refs.set(value.slice('attach://'.length), path);
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) collectAttachRefs(item, `${path}[${index}]`, refs);
    return;
  }
  if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) collectAttachRefs(item, path ? `${path}.${key}` : key, refs);
  }
}

/** `bot_command` entities for every `/command` at a word start (UTF-16 offsets, as Telegram sends). */
function commandEntities(text: string): Array<{ type: 'bot_command'; offset: number; length: number }> {
  const entities: Array<{ type: 'bot_command'; offset: number; length: number }> = [];
  for (const match of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)/g)) {
    const command = match[2] ?? '';
    entities.push({
      type: 'bot_command',
      offset: (match.index ?? 0) + (match[1]?.length ?? 0),
      length: command.length,
    });
  }
  return entities;
}

/** Text length as Telegram counts it after parsing; HTML tags are stripped approximately. */
function visibleLength(text: string, parseMode: unknown): number {
  if (parseMode === 'HTML') return text.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot|#\d+);/g, '_').length;
  return text.length;
}

function validateReplyMarkup(markup: unknown): string | undefined {
  if (markup === undefined) return undefined;
  if (!isObject(markup)) return "Bad Request: can't parse reply keyboard markup JSON object";
  if ('force_reply' in markup) {
    // https://core.telegram.org/bots/api#forcereply: force_reply must be True; the placeholder 1-64 characters.
    if (markup.force_reply !== true) return "Bad Request: can't parse reply keyboard markup JSON object";
    const placeholder = markup.input_field_placeholder;
    if (
      placeholder !== undefined &&
      (typeof placeholder !== 'string' || [...placeholder].length < 1 || [...placeholder].length > 64)
    )
      return 'Bad Request: input field placeholder must be 1-64 characters';
    return undefined;
  }
  if (!('inline_keyboard' in markup)) return undefined;
  if (!Array.isArray(markup.inline_keyboard)) return 'Bad Request: inline keyboard must be an array of arrays';
  for (const row of markup.inline_keyboard) {
    if (!Array.isArray(row))
      return "Bad Request: can't parse inline keyboard button: InlineKeyboardButton row must be an array";
    for (const button of row) {
      if (!isObject(button) || typeof button.text !== 'string')
        return "Bad Request: can't parse inline keyboard button: Text must be a string";
      if (typeof button.callback_data === 'string' && Buffer.byteLength(button.callback_data) > 64)
        return 'Bad Request: BUTTON_DATA_INVALID';
    }
  }
  return undefined;
}

function sameMarkup(current: unknown, next: unknown): boolean {
  const normalize = (markup: unknown): string =>
    isObject(markup) && Array.isArray(markup.inline_keyboard) && markup.inline_keyboard.length > 0
      ? JSON.stringify(markup)
      : '';
  return normalize(current) === normalize(next);
}

function applyMarkup(message: JsonObject, markup: unknown): void {
  if (isObject(markup) && Array.isArray(markup.inline_keyboard) && markup.inline_keyboard.length > 0)
    message.reply_markup = markup;
  else delete message.reply_markup;
}

function validateInvoice(params: JsonObject): { invoice: JsonObject } | { error: Outcome } {
  const currency = typeof params.currency === 'string' ? params.currency : '';
  const prices = Array.isArray(params.prices) ? params.prices : [];
  if (typeof params.title !== 'string' || params.title.length === 0 || params.title.length > 32)
    return { error: fail(400, 'Bad Request: invoice title must be 1-32 characters') };
  if (typeof params.description !== 'string' || params.description.length === 0 || params.description.length > 255) {
    return { error: fail(400, 'Bad Request: invoice description must be 1-255 characters') };
  }
  if (
    typeof params.payload !== 'string' ||
    Buffer.byteLength(params.payload) === 0 ||
    Buffer.byteLength(params.payload) > 128
  ) {
    return { error: fail(400, 'Bad Request: invoice payload must be 1-128 bytes') };
  }
  if (prices.length === 0) return { error: fail(400, 'Bad Request: prices must be non-empty') };
  if (currency === 'XTR') {
    // Stars: empty provider token and exactly one price (https://core.telegram.org/bots/payments-stars).
    if (typeof params.provider_token === 'string' && params.provider_token !== '')
      return { error: fail(400, 'Bad Request: provider_token must be empty for payments in Telegram Stars') };
    if (prices.length !== 1)
      return { error: fail(400, 'Bad Request: exactly one price must be specified for payments in Telegram Stars') };
  }
  const total = prices.reduce<number>(
    (sum, price) => sum + (isObject(price) && typeof price.amount === 'number' ? price.amount : Number.NaN),
    0,
  );
  if (!Number.isSafeInteger(total) || total <= 0)
    return { error: fail(400, 'Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID') };
  return {
    invoice: {
      title: params.title,
      description: params.description,
      start_parameter: typeof params.start_parameter === 'string' ? params.start_parameter : '',
      currency,
      total_amount: total,
    },
  };
}

function extensionFor(bytes: Buffer, fileName?: string): string {
  const fromName = fileName ? /\.[A-Za-z0-9]{1,5}$/.exec(fileName)?.[0] : undefined;
  if (fromName) return fromName;
  const mime = mimeFor(bytes);
  return mime === 'image/png' ? '.png' : mime === 'image/jpeg' ? '.jpg' : mime === 'video/mp4' ? '.mp4' : '';
}

function mimeFor(bytes: Buffer, fileName = ''): string {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp') return 'video/mp4';
  if (/\.zip$/i.test(fileName)) return 'application/zip';
  return 'application/octet-stream';
}
