/**
 * A local fake of Discord's REST API (v10) and gateway so tests drive the real discord.js client
 * over real HTTP and WebSocket: `new Client({ intents, rest: { api: fake.restUrl } })`.
 *
 * REST lives under `/api/v10`, the gateway (package `ws`) under `/gateway` on the same port. The
 * fake records every request, tracks interactions (3-second acknowledgement, one callback each),
 * stores messages and uploaded attachments (served back like the CDN), and dispatches events.
 * See https://discord.com/developers/docs/interactions/receiving-and-responding.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type {
  APIApplicationCommandAutocompleteInteraction,
  APIChatInputApplicationCommandInteraction,
  APIMessageComponentButtonInteraction,
} from 'discord.js';
import {
  BodyTooLargeError,
  closeServer,
  imageSize,
  listenOnRandomPort,
  parseBody,
  RecordLog,
  type UploadedFile,
} from '#tests/fakes/fake-http';

/** A guild the gateway announces with GUILD_CREATE after READY, so discord.js caches it. */
export type FakeDiscordGuild = {
  id: string;
  name?: string;
  locale?: string;
  /** Text channels; defaults to one channel `general`. */
  channels?: Array<{ id: string; name?: string }>;
};

/** Options for {@link startFakeDiscord}. */
export type FakeDiscordOptions = {
  /** When set, REST calls with another bot token get 401 and IDENTIFY with another token is closed with 4004. */
  token?: string;
  applicationId?: string;
  /** Fields of the bot user (READY, GET /users/@me). */
  botUser?: { id?: string; username?: string; global_name?: string | null };
  /** HELLO heartbeat interval (Discord: 41250 ms). */
  heartbeatIntervalMs?: number;
  /** Guilds sent as GUILD_CREATE after READY (none by default: READY carries `guilds: []`). */
  guilds?: FakeDiscordGuild[];
  /**
   * When set, a callback later than this many ms after the interaction was dispatched gets 404
   * Unknown interaction (10062), as Discord does after 3000 ms. Off by default to keep slow CI green.
   */
  ackDeadlineMs?: number;
  /** Upload cap per request before 413 (Discord's default for bots: 10 MiB). */
  attachmentSizeLimit?: number;
};

/** One recorded REST request. */
export type DiscordRequest = {
  method: string;
  /** URL-decoded path without the `/api/v10` prefix, e.g. `/webhooks/1/tok/messages/@original`. */
  path: string;
  query: Record<string, string>;
  /** JSON body, or the parsed `payload_json` of a multipart body. */
  json: unknown;
  files: UploadedFile[];
  at: number;
  /** The Authorization header (`Bot <token>`), absent on interaction callbacks and webhooks. */
  authorization: string | undefined;
  /** HTTP status the fake answered with. */
  status: number;
};

/** A gateway payload in either direction. */
export type GatewayFrame = {
  direction: 'in' | 'out';
  op: number;
  t: string | null;
  s: number | null;
  d: unknown;
  at: number;
};

/** What the fake knows about a dispatched interaction. */
export type FakeInteractionState = {
  id: string;
  token: string;
  type: number;
  channelId: string;
  guildId: string | undefined;
  dispatchedAt: number;
  /** Callback type of the acknowledgement (4, 5, 6, 7, 8, 9), once acknowledged. */
  callbackType: number | undefined;
  ephemeral: boolean;
  /** Id of the `@original` message, once there is one. */
  originalMessageId: string | undefined;
  /** For component interactions, the message the component is on. */
  sourceMessageId: string | undefined;
  followupMessageIds: string[];
  /** The form shown in answer (callback type 9, MODAL): its `data` as sent. */
  modal: JsonObject | undefined;
};

/** A REST failure to inject with {@link FakeDiscord.failNext}. */
export type DiscordFailure = {
  status?: number;
  code?: number;
  message?: string;
  /** Seconds, for 429 answers (sent as `retry_after` and the `Retry-After` header). */
  retryAfter?: number;
  times?: number;
};

type JsonObject = Record<string, unknown>;
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
type RouteContext = { request: DiscordRequest; params: string[]; body: JsonObject; files: UploadedFile[] };
type Route = { method: string; pattern: RegExp; handle: (ctx: RouteContext) => Reply | Promise<Reply> };
type GatewayPayload = { op: number; t?: string | null; s?: number | null; d?: unknown };
type Session = { id: string; seq: number; buffer: GatewayPayload[]; socket: WebSocket | undefined };
type StoredAttachment = { bytes: Buffer; contentType: string };
type BaseInteractionOptions = {
  userId: string;
  username?: string;
  guildId?: string;
  channelId?: string;
  locale?: string;
  guildLocale?: string;
  /** Bitfield string of the bot's permissions in the channel. */
  appPermissions?: string;
  /** Bitfield string of the member's permissions (guild only). */
  memberPermissions?: string;
  attachmentSizeLimit?: number;
};

const DISCORD_EPOCH = 1_420_070_400_000n;
// VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | USE_APPLICATION_COMMANDS | SEND_MESSAGES_IN_THREADS
const DEFAULT_APP_PERMISSIONS = (
  (1n << 10n) |
  (1n << 11n) |
  (1n << 14n) |
  (1n << 15n) |
  (1n << 16n) |
  (1n << 18n) |
  (1n << 31n) |
  (1n << 38n)
).toString();
const DEFAULT_MEMBER_PERMISSIONS = (
  (1n << 10n) |
  (1n << 11n) |
  (1n << 14n) |
  (1n << 15n) |
  (1n << 16n) |
  (1n << 31n)
).toString();
const TEN_MIB = 10 * 1024 * 1024;
const FLAG_EPHEMERAL = 1 << 6;
const FLAG_LOADING = 1 << 7;

/** A running fake Discord. Create it with {@link startFakeDiscord}. */
export class FakeDiscord {
  /** Every REST request, in arrival order (unknown routes included, with status 404). */
  readonly requests: DiscordRequest[];
  /** Every gateway payload sent or received. */
  readonly gatewayFrames: GatewayFrame[];
  /** The application (READY `application`, GET /applications/@me). */
  readonly application: { id: string; name: string; flags: number };
  /** The bot user. */
  readonly botUser: JsonObject;

  private readonly requestLog = new RecordLog<DiscordRequest>();
  private readonly gatewayLog = new RecordLog<GatewayFrame>();
  private readonly routes: Route[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Set<WebSocket>();
  private readonly interactions = new Map<string, FakeInteractionState>();
  private readonly messages = new Map<string, JsonObject>();
  private readonly channels = new Map<string, JsonObject>();
  private readonly users = new Map<string, JsonObject>();
  private readonly dmChannelByUser = new Map<string, string>();
  private readonly attachments = new Map<string, StoredAttachment>();
  private readonly globalCommands: JsonObject[] = [];
  private readonly guildCommands = new Map<string, JsonObject[]>();
  private readonly commandIds = new Map<string, string>();
  private readonly failures: Array<{ method: string | undefined; path: string | RegExp; failure: DiscordFailure }> = [];
  private readonly guilds: FakeDiscordGuild[];
  private readonly wss = new WebSocketServer({ noServer: true });
  private server: Server | undefined;
  private port = 0;
  private closed = false;

  private constructor(private readonly options: FakeDiscordOptions) {
    this.requests = this.requestLog.items;
    this.gatewayFrames = this.gatewayLog.items;
    this.application = { id: options.applicationId ?? '1100000000000000001', name: 'Imagine Test', flags: 0 };
    this.botUser = {
      id: options.botUser?.id ?? this.application.id,
      username: options.botUser?.username ?? 'imagine-test',
      discriminator: '0',
      global_name: options.botUser?.global_name ?? 'Imagine Test',
      avatar: null,
      bot: true,
      public_flags: 0,
      flags: 0,
    };
    this.users.set(this.botUser.id as string, this.botUser);
    this.guilds = options.guilds ?? [];
    for (const guild of this.guilds) {
      for (const channel of guild.channels ?? [{ id: `${guild.id.slice(0, -1)}9`, name: 'general' }]) {
        this.channels.set(channel.id, guildTextChannel(channel.id, guild.id, channel.name ?? 'general'));
      }
    }
    this.registerRoutes();
  }

  /** @internal Use {@link startFakeDiscord}. */
  static async start(options: FakeDiscordOptions): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    fake.server = createServer((req, res) => {
      fake.handleHttp(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: `500: ${String(error)}`, code: 0 });
      });
    });
    fake.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      fake.handleUpgrade(req, socket, head),
    );
    fake.port = await listenOnRandomPort(fake.server);
    return fake;
  }

  /** Value for discord.js `rest.api`: `http://127.0.0.1:PORT/api`. */
  get restUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** The gateway URL returned by GET /gateway/bot. */
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  /** Base URL of the attachment CDN the fake serves uploaded files from. */
  get cdnUrl(): string {
    return `http://127.0.0.1:${this.port}/attachments`;
  }

  /** Resolves with the first request (recorded or future) matching `predicate`. */
  waitForRequest(predicate: (request: DiscordRequest) => boolean, timeoutMs = 5000): Promise<DiscordRequest> {
    return this.requestLog.waitFor(
      predicate,
      timeoutMs,
      () => `a Discord request; so far: ${this.requests.map((r) => `${r.method} ${r.path}`).join(', ') || 'none'}`,
    );
  }

  /** Resolves with the first gateway frame (sent or received, past or future) matching `predicate`. */
  waitForGateway(predicate: (frame: GatewayFrame) => boolean, timeoutMs = 5000): Promise<GatewayFrame> {
    return this.gatewayLog.waitFor(
      predicate,
      timeoutMs,
      () =>
        `a gateway frame; so far: ${this.gatewayFrames.map((f) => `${f.direction}:${f.op}${f.t ? `:${f.t}` : ''}`).join(', ') || 'none'}`,
    );
  }

  /** Resolves once READY has been sent to a client. */
  waitForReady(timeoutMs = 5000): Promise<GatewayFrame> {
    return this.waitForGateway((frame) => frame.direction === 'out' && frame.t === 'READY', timeoutMs);
  }

  /** Makes the next matching REST request(s) fail (method undefined = any method). */
  failNext(match: { method?: string; path: string | RegExp }, failure: DiscordFailure = {}): void {
    for (let i = 0; i < (failure.times ?? 1); i += 1)
      this.failures.push({ method: match.method?.toUpperCase(), path: match.path, failure });
  }

  /**
   * Sends a dispatch event (op 0) with the next sequence number to every identified session and
   * keeps it for RESUME replay (a session between disconnect and RESUME gets it on resume).
   * Returns how many sessions took it.
   */
  dispatch(t: string, d: unknown): number {
    for (const session of this.sessions.values()) {
      session.seq += 1;
      const payload = { op: 0, t, s: session.seq, d };
      session.buffer.push(payload);
      if (session.buffer.length > 1000) session.buffer.shift();
      if (session.socket) this.send(session.socket, payload);
    }
    return this.sessions.size;
  }

  /**
   * Dispatches INTERACTION_CREATE and starts tracking the interaction (acknowledgement deadline,
   * one callback, @original message). Throws when no gateway session exists, which means the
   * test did not wait for the client to be ready.
   */
  sendInteraction<T extends { id: string; token: string; type: number }>(interaction: T): T {
    const data = interaction as unknown as JsonObject;
    const channel = data.channel as JsonObject | undefined;
    this.interactions.set(interaction.id, {
      id: interaction.id,
      token: interaction.token,
      type: interaction.type,
      channelId: String(channel?.id ?? data.channel_id ?? ''),
      guildId: typeof data.guild_id === 'string' ? data.guild_id : undefined,
      dispatchedAt: Date.now(),
      callbackType: undefined,
      ephemeral: false,
      originalMessageId: undefined,
      sourceMessageId:
        typeof data.message === 'object' && data.message !== null ? String((data.message as JsonObject).id) : undefined,
      followupMessageIds: [],
      modal: undefined,
    });
    if (
      typeof data.message === 'object' &&
      data.message !== null &&
      !this.messages.has(String((data.message as JsonObject).id))
    ) {
      this.storeMessage(data.message as JsonObject);
    }
    if (this.dispatch('INTERACTION_CREATE', interaction) === 0) {
      throw new Error('fake Discord: no gateway session is connected; await the client ready event first');
    }
    return interaction;
  }

  /** Tracking state of an interaction sent with {@link sendInteraction}. */
  interaction(id: string): FakeInteractionState | undefined {
    return this.interactions.get(id);
  }

  /** A message the fake stored (sent over REST, an interaction response, or built by a helper). */
  message(id: string): JsonObject | undefined {
    return this.messages.get(id);
  }

  /** Bytes of an uploaded attachment, by attachment id. */
  attachmentBytes(id: string): Buffer | undefined {
    return this.attachments.get(id)?.bytes;
  }

  /** Commands stored by PUT/POST, globally or for one guild. */
  commands(guildId?: string): readonly JsonObject[] {
    return guildId === undefined ? this.globalCommands : (this.guildCommands.get(guildId) ?? []);
  }

  /** Registers a channel for GET /channels/:id (guild text channel when `guildId` is given, else DM). */
  addChannel(channel: { id: string; guildId?: string; name?: string; recipientId?: string }): JsonObject {
    const data = channel.guildId
      ? guildTextChannel(channel.id, channel.guildId, channel.name ?? 'general')
      : dmChannel(channel.id, this.userFor(channel.recipientId ?? '0'));
    this.channels.set(channel.id, data);
    return data;
  }

  /** Sends op 7 RECONNECT: discord.js closes with 4200 and RESUMEs on `resume_gateway_url`. */
  requestReconnect(): void {
    for (const session of this.sessions.values()) if (session.socket) this.send(session.socket, { op: 7, d: null });
  }

  /**
   * Builds a CHAT_INPUT (type 2) interaction. `options` is either raw API options or a record of
   * name -> value (types inferred: string 3, integer 4, boolean 5, number 10). Each entry of
   * `attachments` becomes an ATTACHMENT option (type 11) with `data.resolved.attachments`; its
   * bytes are served at the attachment's `url`. Without `guildId` it is a bot DM (`user`, context 1).
   */
  chatInputInteraction(
    options: BaseInteractionOptions & {
      name: string;
      options?: Record<string, string | number | boolean> | JsonObject[];
      attachments?: Record<string, { filename: string; bytes?: Buffer; contentType?: string; size?: number }>;
    },
  ): APIChatInputApplicationCommandInteraction {
    const base = this.interactionBase(options, 2);
    const channelId = base.channel_id as string;
    const commandOptions: JsonObject[] = Array.isArray(options.options)
      ? [...options.options]
      : Object.entries(options.options ?? {}).map(([name, value]) => ({ name, type: optionType(value), value }));
    const resolvedAttachments: Record<string, JsonObject> = {};
    for (const [name, attachment] of Object.entries(options.attachments ?? {})) {
      const id = snowflake();
      const bytes = attachment.bytes ?? Buffer.alloc(0);
      const contentType = attachment.contentType ?? mimeFor(bytes);
      this.attachments.set(id, { bytes, contentType });
      resolvedAttachments[id] = this.attachmentObject(
        id,
        channelId,
        attachment.filename,
        attachment.size ?? bytes.length,
        contentType,
        bytes,
        true,
      );
      commandOptions.push({ name, type: 11, value: id });
    }
    const data: JsonObject = {
      id: this.commandIdFor(options.name, options.guildId),
      name: options.name,
      type: 1,
      ...(commandOptions.length > 0 ? { options: commandOptions } : {}),
      ...(Object.keys(resolvedAttachments).length > 0 ? { resolved: { attachments: resolvedAttachments } } : {}),
      ...(options.guildId && this.guildCommands.get(options.guildId)?.some((c) => c.name === options.name)
        ? { guild_id: options.guildId }
        : {}),
    };
    return { ...base, data } as unknown as APIChatInputApplicationCommandInteraction;
  }

  /**
   * Builds a button (type 3, component_type 2) interaction on message `messageId`: the stored
   * message when the fake knows it, otherwise a synthesized bot message carrying that button.
   */
  buttonInteraction(
    options: BaseInteractionOptions & { customId: string; messageId: string },
  ): APIMessageComponentButtonInteraction {
    const base = this.interactionBase(options, 3);
    const message =
      this.messages.get(options.messageId) ??
      this.storeMessage({
        ...this.messageShell(options.messageId, base.channel_id as string, options.guildId),
        content: '…',
        components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Button', custom_id: options.customId }] }],
      });
    return {
      ...base,
      message,
      data: { custom_id: options.customId, component_type: 2 },
    } as unknown as APIMessageComponentButtonInteraction;
  }

  /**
   * Builds a MODAL_SUBMIT (type 5) interaction: the form `customId` submitted with `values` (text
   * input custom_id -> typed value), each in a Label (type 18) as Discord sends them. With
   * `messageId` the form was opened from a button on that message, which the interaction carries.
   * https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-modal-submit-data-structure
   */
  modalSubmitInteraction(
    options: BaseInteractionOptions & { customId: string; values: Record<string, string>; messageId?: string },
  ): { id: string; token: string; type: number } {
    const base = this.interactionBase(options, 5);
    const message = options.messageId === undefined ? undefined : this.messages.get(options.messageId);
    return {
      ...base,
      ...(message ? { message } : {}),
      data: {
        custom_id: options.customId,
        components: Object.entries(options.values).map(([customId, value], index) => ({
          type: 18,
          id: index * 2 + 1,
          component: { type: 4, id: index * 2 + 2, custom_id: customId, value },
        })),
      },
    } as unknown as { id: string; token: string; type: number };
  }

  /** Builds an APPLICATION_COMMAND_AUTOCOMPLETE (type 4) interaction with `focusedOption` focused. */
  autocompleteInteraction(
    options: BaseInteractionOptions & {
      name: string;
      focusedOption: string;
      value: string;
      options?: Record<string, string | number | boolean>;
    },
  ): APIApplicationCommandAutocompleteInteraction {
    const base = this.interactionBase(options, 4);
    const others = Object.entries(options.options ?? {}).map(([name, value]) => ({
      name,
      type: optionType(value),
      value,
    }));
    return {
      ...base,
      data: {
        id: this.commandIdFor(options.name, options.guildId),
        name: options.name,
        type: 1,
        options: [...others, { name: options.focusedOption, type: 3, value: options.value, focused: true }],
      },
    } as unknown as APIApplicationCommandAutocompleteInteraction;
  }

  /** Closes every gateway socket and the server; pending waits are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.requestLog.rejectAll('fake Discord closed');
    this.gatewayLog.rejectAll('fake Discord closed');
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (this.server) await closeServer(this.server);
  }

  private userFor(id: string, username?: string): JsonObject {
    const known = this.users.get(id);
    if (known && (username === undefined || known.username === username)) return known;
    const user = {
      id,
      username: username ?? `user${id.slice(-4)}`,
      discriminator: '0',
      global_name: username ?? `User ${id.slice(-4)}`,
      avatar: null,
      public_flags: 0,
    };
    this.users.set(id, user);
    return user;
  }

  private dmChannelFor(userId: string): JsonObject {
    const known = this.dmChannelByUser.get(userId);
    if (known) return this.channels.get(known) as JsonObject;
    const id = snowflake();
    const channel = dmChannel(id, this.userFor(userId));
    this.channels.set(id, channel);
    this.dmChannelByUser.set(userId, id);
    return channel;
  }

  private commandIdFor(name: string, guildId: string | undefined): string {
    const registered =
      (guildId ? this.guildCommands.get(guildId) : undefined)?.find((c) => c.name === name) ??
      this.globalCommands.find((c) => c.name === name);
    if (registered) return registered.id as string;
    const known = this.commandIds.get(name);
    if (known) return known;
    const id = snowflake();
    this.commandIds.set(name, id);
    return id;
  }

  private interactionBase(options: BaseInteractionOptions, type: number): JsonObject {
    const id = snowflake();
    const user = this.userFor(options.userId, options.username);
    const common = {
      id,
      application_id: this.application.id,
      type,
      token: `aW50ZXJhY3Rpb246${id}:${randomBytes(24).toString('base64url')}`,
      version: 1,
      locale: options.locale ?? 'en-US',
      app_permissions: options.appPermissions ?? DEFAULT_APP_PERMISSIONS,
      entitlements: [],
      attachment_size_limit: options.attachmentSizeLimit ?? this.options.attachmentSizeLimit ?? TEN_MIB,
    };
    if (options.guildId === undefined) {
      const channel = options.channelId
        ? (this.channels.get(options.channelId) ??
          this.addChannel({ id: options.channelId, recipientId: options.userId }))
        : this.dmChannelFor(options.userId);
      return {
        ...common,
        user,
        channel: { ...channel, recipients: [user] },
        channel_id: channel.id,
        context: 1,
        authorizing_integration_owners: { '0': '0' },
      };
    }
    const channelId = options.channelId ?? this.defaultChannelOf(options.guildId);
    const channel = this.channels.get(channelId) ?? this.addChannel({ id: channelId, guildId: options.guildId });
    const memberPermissions = options.memberPermissions ?? DEFAULT_MEMBER_PERMISSIONS;
    return {
      ...common,
      guild_id: options.guildId,
      guild_locale: options.guildLocale ?? 'en-US',
      guild: { id: options.guildId, locale: options.guildLocale ?? 'en-US', features: [] },
      member: {
        user,
        roles: [],
        premium_since: null,
        permissions: memberPermissions,
        pending: false,
        nick: null,
        mute: false,
        deaf: false,
        joined_at: new Date(Date.now() - 86_400_000).toISOString(),
        flags: 0,
        avatar: null,
        banner: null,
        communication_disabled_until: null,
      },
      channel: { ...channel, permissions: memberPermissions },
      channel_id: channelId,
      context: 0,
      authorizing_integration_owners: { '0': options.guildId },
    };
  }

  private defaultChannelOf(guildId: string): string {
    const guild = this.guilds.find((g) => g.id === guildId);
    const configured = guild?.channels?.[0]?.id;
    if (configured) return configured;
    for (const channel of this.channels.values()) if (channel.guild_id === guildId) return channel.id as string;
    return `${guildId.slice(0, -1)}9`;
  }

  private messageShell(id: string, channelId: string, guildId: string | undefined): JsonObject {
    return {
      id,
      type: 0,
      content: '',
      channel_id: channelId,
      author: this.botUser,
      attachments: [],
      embeds: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags: 0,
      components: [],
      ...(guildId ? { guild_id: guildId } : {}),
    };
  }

  private storeMessage(message: JsonObject): JsonObject {
    this.messages.set(message.id as string, message);
    return message;
  }

  private attachmentObject(
    id: string,
    channelId: string,
    filename: string,
    size: number,
    contentType: string,
    bytes: Buffer,
    ephemeral = false,
  ): JsonObject {
    const expires = Math.floor(Date.now() / 1000) + 86_400;
    const url = `${this.cdnUrl}/${channelId}/${id}/${encodeURIComponent(filename)}?ex=${expires.toString(16)}&is=${Math.floor(Date.now() / 1000).toString(16)}&hm=${randomBytes(32).toString('hex')}&`;
    const dims = imageSize(bytes);
    return {
      id,
      filename,
      size,
      url,
      proxy_url: url,
      content_type: contentType,
      ...(dims ? { width: dims.width, height: dims.height } : {}),
      ...(ephemeral ? { ephemeral: true } : {}),
    };
  }

  /**
   * Turns a message payload (+ uploaded `files[n]`) into message fields. Uploads map to
   * `attachments[].id` = n; when `attachments` is absent every upload is attached, in order.
   * Existing attachments are kept only when listed by id (edit semantics).
   */
  private messageContent(
    payload: JsonObject,
    files: UploadedFile[],
    channelId: string,
    existing?: JsonObject,
  ): JsonObject | { error: Reply } {
    const content: JsonObject = {};
    if ('content' in payload) {
      const text = payload.content === null ? '' : String(payload.content ?? '');
      if (text.length > 2000)
        return { error: invalidForm('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.') };
      content.content = text;
    }
    if ('embeds' in payload) {
      const embeds = Array.isArray(payload.embeds) ? payload.embeds : [];
      if (embeds.length > 10)
        return { error: invalidForm('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.') };
      content.embeds = embeds.map((embed) => ({ type: 'rich', ...(embed as JsonObject) }));
    }
    if ('components' in payload) {
      const rows = Array.isArray(payload.components) ? (payload.components as JsonObject[]) : [];
      const isV2 = typeof payload.flags === 'number' && (payload.flags & (1 << 15)) !== 0;
      if (!isV2 && rows.length > 5)
        return { error: invalidForm('components', 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.') };
      for (const row of rows) {
        for (const component of Array.isArray(row.components) ? (row.components as JsonObject[]) : []) {
          if (typeof component.custom_id === 'string' && component.custom_id.length > 100) {
            return {
              error: invalidForm('components', 'BASE_TYPE_MAX_LENGTH', 'custom_id must be 100 or fewer in length.'),
            };
          }
        }
      }
      content.components = rows;
    }
    const uploaded = new Map<string, UploadedFile>();
    for (const file of files) {
      const index = /^files\[(\d+)\]$/.exec(file.field)?.[1] ?? /^file(\d*)$/.exec(file.field)?.[1];
      if (index !== undefined) uploaded.set(index === '' ? '0' : index, file);
    }
    if ('attachments' in payload || files.length > 0) {
      const listed: JsonObject[] = Array.isArray(payload.attachments)
        ? (payload.attachments as JsonObject[])
        : [...uploaded.keys()].map((index) => ({ id: index }));
      const previous = new Map(
        ((existing?.attachments as JsonObject[] | undefined) ?? []).map((a) => [String(a.id), a]),
      );
      const attachments: JsonObject[] = [];
      for (const entry of listed) {
        const key = String(entry.id);
        const kept = previous.get(key);
        if (kept) {
          attachments.push(kept);
          continue;
        }
        const file = uploaded.get(key);
        if (!file)
          return { error: invalidForm(`attachments.${key}`, 'ATTACHMENT_NOT_FOUND', 'Attachment data not found') };
        const id = snowflake();
        const filename = typeof entry.filename === 'string' ? entry.filename : file.filename;
        const contentType = file.mime && file.mime !== 'application/octet-stream' ? file.mime : mimeFor(file.bytes);
        this.attachments.set(id, { bytes: file.bytes, contentType });
        attachments.push({
          ...this.attachmentObject(id, channelId, filename, file.bytes.length, contentType, file.bytes),
          ...(typeof entry.description === 'string' ? { description: entry.description } : {}),
        });
      }
      content.attachments = attachments;
    }
    if (typeof payload.flags === 'number') content.flags = payload.flags;
    return content;
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname.startsWith('/attachments/')) {
      const id = url.pathname.split('/')[3] ?? '';
      const stored = this.attachments.get(id);
      if (!stored) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      res
        .writeHead(200, { 'content-type': stored.contentType, 'content-length': stored.bytes.length })
        .end(stored.bytes);
      return;
    }
    const path = decodeURIComponent(url.pathname.replace(/^\/api(\/v\d+)?/, '')) || '/';
    const request: DiscordRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path,
      query: Object.fromEntries(url.searchParams),
      json: undefined,
      files: [],
      at: Date.now(),
      authorization: req.headers.authorization,
      status: 0,
    };
    let reply: Reply;
    try {
      const body = await parseBody(req);
      request.files = body.files;
      if (body.kind === 'json') request.json = body.json;
      if (body.kind === 'multipart') {
        const fields = Object.fromEntries(body.fields);
        const payload = fields.payload_json === undefined ? {} : (JSON.parse(fields.payload_json) as JsonObject);
        delete fields.payload_json;
        request.json = { ...payload, ...fields };
      }
      reply = await this.respond(request);
    } catch (error) {
      reply =
        error instanceof BodyTooLargeError
          ? { status: 413, body: { message: 'Request entity too large', code: 40005 } }
          : { status: 400, body: { message: `400: Bad Request (${String(error)})`, code: 50109 } };
    }
    request.status = reply.status;
    this.requestLog.push(request);
    if (reply.body === undefined) {
      res.writeHead(reply.status, reply.headers ?? {}).end();
      return;
    }
    sendJson(res, reply.status, reply.body, reply.headers);
  }

  private async respond(request: DiscordRequest): Promise<Reply> {
    const failureIndex = this.failures.findIndex(
      (f) =>
        (f.method === undefined || f.method === request.method) &&
        (typeof f.path === 'string' ? f.path === request.path : f.path.test(request.path)),
    );
    if (failureIndex >= 0) {
      const { failure } = this.failures.splice(failureIndex, 1)[0] as { failure: DiscordFailure };
      const status = failure.status ?? 500;
      if (status === 429) {
        const retryAfter = failure.retryAfter ?? 0.1;
        return {
          status,
          body: {
            message: failure.message ?? 'You are being rate limited.',
            retry_after: retryAfter,
            global: false,
            code: failure.code ?? 0,
          },
          // Discord rounds the header up to whole seconds; the fake keeps fractions so tests stay fast.
          headers: { 'retry-after': String(retryAfter), 'x-ratelimit-scope': 'user' },
        };
      }
      return { status, body: { message: failure.message ?? `${status}: injected failure`, code: failure.code ?? 0 } };
    }
    const route = this.routes.find((r) => r.method === request.method && r.pattern.test(request.path));
    if (!route) return { status: 404, body: { message: '404: Not Found', code: 0 } };
    const needsBotAuth = !/^\/(interactions|webhooks)\//.test(request.path) && request.path !== '/gateway';
    if (needsBotAuth && !this.isAuthorized(request.authorization))
      return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
    const params = route.pattern.exec(request.path)?.slice(1) ?? [];
    const body =
      typeof request.json === 'object' && request.json !== null && !Array.isArray(request.json)
        ? (request.json as JsonObject)
        : {};
    return route.handle({ request, params, body, files: request.files });
  }

  private isAuthorized(header: string | undefined): boolean {
    if (!header?.startsWith('Bot ')) return false;
    return this.options.token === undefined || header === `Bot ${this.options.token}`;
  }

  private uploadTooLarge(files: UploadedFile[]): Reply | undefined {
    const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
    if (total > (this.options.attachmentSizeLimit ?? TEN_MIB))
      return { status: 413, body: { message: 'Request entity too large', code: 40005 } };
    return undefined;
  }

  private registerRoutes(): void {
    const on = (method: string, pattern: RegExp, handle: Route['handle']): void => {
      this.routes.push({ method, pattern, handle });
    };
    const gatewayBot = (): Reply => ({
      status: 200,
      body: {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      },
    });
    on('GET', /^\/gateway\/bot$/, gatewayBot);
    on('GET', /^\/gateway$/, () => ({ status: 200, body: { url: this.gatewayUrl } }));
    on('GET', /^\/users\/@me$/, () => ({ status: 200, body: this.botUser }));
    on('GET', /^\/applications\/@me$/, () => ({
      status: 200,
      body: {
        ...this.application,
        icon: null,
        description: '',
        bot_public: true,
        bot_require_code_grant: false,
        verify_key: randomBytes(32).toString('hex'),
        bot: this.botUser,
        owner: { id: '1000000000000000001', username: 'owner', discriminator: '0', avatar: null },
        team: null,
        approximate_guild_count: this.guilds.length,
        integration_types_config: { '0': {}, '1': {} },
      },
    }));
    on('GET', /^\/users\/(\d+)$/, ({ params }) => ({ status: 200, body: this.userFor(params[0] ?? '') }));
    on('POST', /^\/users\/@me\/channels$/, ({ body }) => {
      if (typeof body.recipient_id !== 'string' || !/^\d+$/.test(body.recipient_id))
        return invalidForm('recipient_id', 'NUMBER_TYPE_COERCE', 'Value is not snowflake.');
      return { status: 200, body: this.dmChannelFor(body.recipient_id) };
    });
    on('GET', /^\/channels\/(\d+)$/, ({ params }) => {
      const channel = this.channels.get(params[0] ?? '');
      return channel
        ? { status: 200, body: channel }
        : { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
    });
    on('POST', /^\/channels\/(\d+)\/typing$/, () => ({ status: 204 }));
    on('POST', /^\/channels\/(\d+)\/messages$/, ({ params, body, files }) => {
      const channelId = params[0] ?? '';
      const tooLarge = this.uploadTooLarge(files);
      if (tooLarge) return tooLarge;
      const content = this.messageContent(body, files, channelId);
      if ('error' in content) return content.error as Reply;
      if (
        !content.content &&
        !(content.attachments as unknown[] | undefined)?.length &&
        !(content.embeds as unknown[] | undefined)?.length &&
        !(content.components as unknown[] | undefined)?.length &&
        !body.sticker_ids &&
        !body.poll
      ) {
        return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
      }
      const channel = this.channels.get(channelId);
      const guildId = typeof channel?.guild_id === 'string' ? channel.guild_id : undefined;
      const message = this.storeMessage({ ...this.messageShell(snowflake(), channelId, guildId), ...content });
      if (channel) channel.last_message_id = message.id;
      return { status: 200, body: message };
    });
    on('GET', /^\/channels\/(\d+)\/messages\/(\d+)$/, ({ params }) => this.messageReply(params[1] ?? ''));
    on('PATCH', /^\/channels\/(\d+)\/messages\/(\d+)$/, ({ params, body, files }) =>
      this.editMessage(params[1] ?? '', body, files),
    );
    on('DELETE', /^\/channels\/(\d+)\/messages\/(\d+)$/, ({ params }) => this.deleteMessage(params[1] ?? ''));

    on('GET', /^\/applications\/(\d+)\/commands$/, () => ({ status: 200, body: this.globalCommands }));
    on('PUT', /^\/applications\/(\d+)\/commands$/, ({ request }) => this.replaceCommands(request.json, undefined));
    on('POST', /^\/applications\/(\d+)\/commands$/, ({ body }) => this.upsertCommand(body, undefined));
    on('DELETE', /^\/applications\/(\d+)\/commands\/(\d+)$/, ({ params }) =>
      this.deleteCommand(params[1] ?? '', undefined),
    );
    on('GET', /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/, ({ params }) => ({
      status: 200,
      body: this.guildCommands.get(params[1] ?? '') ?? [],
    }));
    on('PUT', /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/, ({ request, params }) =>
      this.replaceCommands(request.json, params[1]),
    );
    on('POST', /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/, ({ body, params }) =>
      this.upsertCommand(body, params[1]),
    );
    on('DELETE', /^\/applications\/(\d+)\/guilds\/(\d+)\/commands\/(\d+)$/, ({ params }) =>
      this.deleteCommand(params[2] ?? '', params[1]),
    );
    on('GET', /^\/applications\/(\d+)\/entitlements$/, () => ({ status: 200, body: [] }));

    on('POST', /^\/interactions\/(\d+)\/([^/]+)\/callback$/, (ctx) => this.interactionCallback(ctx));
    on('GET', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/, ({ params }) => {
      const target = this.webhookTarget(params[1] ?? '', params[2] ?? '');
      return 'reply' in target ? target.reply : this.messageReply(target.messageId);
    });
    on('PATCH', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/, ({ params, body, files }) => {
      const target = this.webhookTarget(params[1] ?? '', params[2] ?? '');
      if ('reply' in target) return target.reply;
      const reply = this.editMessage(target.messageId, body, files, true);
      return reply;
    });
    on('DELETE', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/, ({ params }) => {
      const target = this.webhookTarget(params[1] ?? '', params[2] ?? '');
      return 'reply' in target ? target.reply : this.deleteMessage(target.messageId);
    });
    on('POST', /^\/webhooks\/(\d+)\/([^/]+)$/, ({ params, body, files, request }) => {
      const state = this.interactionByToken(params[1] ?? '');
      // The interaction webhook exists only once the interaction is acknowledged.
      if (!state || state.callbackType === undefined)
        return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
      const tooLarge = this.uploadTooLarge(files);
      if (tooLarge) return tooLarge;
      const content = this.messageContent(body, files, state.channelId);
      if ('error' in content) return content.error as Reply;
      const message = this.storeMessage({
        ...this.messageShell(snowflake(), state.channelId, state.guildId),
        ...this.webhookFields(state),
        ...content,
        flags: typeof body.flags === 'number' ? body.flags : 0,
      });
      state.followupMessageIds.push(message.id as string);
      return request.query.wait === 'true' ? { status: 200, body: message } : { status: 204 };
    });
  }

  private interactionByToken(token: string): FakeInteractionState | undefined {
    for (const state of this.interactions.values()) if (state.token === token) return state;
    return undefined;
  }

  private webhookTarget(token: string, messageRef: string): { messageId: string } | { reply: Reply } {
    const state = this.interactionByToken(token);
    if (!state || state.callbackType === undefined)
      return { reply: { status: 404, body: { message: 'Unknown Webhook', code: 10015 } } };
    const messageId = messageRef === '@original' ? state.originalMessageId : messageRef;
    if (!messageId || !this.messages.has(messageId))
      return { reply: { status: 404, body: { message: 'Unknown Message', code: 10008 } } };
    return { messageId };
  }

  private webhookFields(state: FakeInteractionState): JsonObject {
    return {
      webhook_id: this.application.id,
      application_id: this.application.id,
      interaction_metadata: { id: state.id, type: state.type, user: this.botUser, authorizing_integration_owners: {} },
    };
  }

  private messageReply(id: string): Reply {
    const message = this.messages.get(id);
    return message
      ? { status: 200, body: message }
      : { status: 404, body: { message: 'Unknown Message', code: 10008 } };
  }

  private editMessage(id: string, body: JsonObject, files: UploadedFile[], viaWebhook = false): Reply {
    const message = this.messages.get(id);
    if (!message) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
    if (!viaWebhook && (message.author as JsonObject).id !== this.botUser.id) {
      return { status: 403, body: { message: 'Cannot edit a message authored by another user', code: 50005 } };
    }
    const tooLarge = this.uploadTooLarge(files);
    if (tooLarge) return tooLarge;
    const content = this.messageContent(body, files, message.channel_id as string, message);
    if ('error' in content) return content.error as Reply;
    const wasLoading = typeof message.flags === 'number' && (message.flags & FLAG_LOADING) !== 0;
    Object.assign(message, content, { edited_timestamp: wasLoading ? null : new Date().toISOString() });
    if (wasLoading)
      message.flags = ((message.flags as number) & ~FLAG_LOADING) | ((content.flags as number | undefined) ?? 0);
    return { status: 200, body: message };
  }

  private deleteMessage(id: string): Reply {
    return this.messages.delete(id)
      ? { status: 204 }
      : { status: 404, body: { message: 'Unknown Message', code: 10008 } };
  }

  private interactionCallback({ params, body, files, request }: RouteContext): Reply {
    const state = this.interactions.get(params[0] ?? '');
    if (!state || state.token !== params[1])
      return { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
    if (this.options.ackDeadlineMs !== undefined && Date.now() - state.dispatchedAt > this.options.ackDeadlineMs) {
      return { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
    }
    if (state.callbackType !== undefined)
      return { status: 400, body: { message: 'Interaction has already been acknowledged.', code: 40060 } };
    const type = typeof body.type === 'number' ? body.type : -1;
    const data = typeof body.data === 'object' && body.data !== null ? (body.data as JsonObject) : {};
    const isComponent = state.type === 3 || state.type === 5;
    const allowed: Record<number, boolean> = {
      4: state.type !== 4,
      5: state.type !== 4,
      6: isComponent,
      7: isComponent,
      8: state.type === 4,
      9: state.type === 2 || state.type === 3,
      12: state.type === 2 || state.type === 3,
    };
    if (!allowed[type])
      return invalidForm(
        'type',
        'INTERACTION_CALLBACK_TYPE_INVALID',
        `Interaction callback type ${type} is not valid for interaction type ${state.type}`,
      );
    const tooLarge = this.uploadTooLarge(files);
    if (tooLarge) return tooLarge;
    const flags = typeof data.flags === 'number' ? data.flags : 0;
    let message: JsonObject | undefined;
    if (type === 4 || type === 5) {
      const content = type === 4 ? this.messageContent(data, files, state.channelId) : {};
      if ('error' in content) return content.error as Reply;
      message = this.storeMessage({
        ...this.messageShell(snowflake(), state.channelId, state.guildId),
        ...this.webhookFields(state),
        type: state.type === 2 ? 20 : 19,
        ...content,
        flags: type === 5 ? flags | FLAG_LOADING : flags,
      });
      state.originalMessageId = message.id as string;
      state.ephemeral = (flags & FLAG_EPHEMERAL) !== 0;
    }
    if (type === 6 || type === 7) {
      const source = this.sourceMessageOf(state);
      if (type === 7 && source) {
        const content = this.messageContent(data, files, state.channelId, source);
        if ('error' in content) return content.error as Reply;
        Object.assign(source, content, { edited_timestamp: new Date().toISOString() });
      }
      message = source;
      state.originalMessageId = source?.id as string | undefined;
    }
    if (type === 9) {
      const problem = modalProblem(data);
      if (problem) return invalidForm(problem.path, 'BASE_TYPE_BAD_LENGTH', problem.message);
      state.modal = data;
    }
    if (type === 8) {
      const choices = Array.isArray(data.choices) ? data.choices : [];
      if (choices.length > 25)
        return invalidForm('data.choices', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    }
    state.callbackType = type;
    if (request.query.with_response !== 'true') return { status: 204 };
    return {
      status: 200,
      body: {
        interaction: {
          id: state.id,
          type: state.type,
          response_message_id: message?.id,
          response_message_loading: type === 5,
          response_message_ephemeral: state.ephemeral,
        },
        resource: { type, ...(message ? { message } : {}) },
      },
    };
  }

  private sourceMessageOf(state: FakeInteractionState): JsonObject | undefined {
    return state.sourceMessageId === undefined ? undefined : this.messages.get(state.sourceMessageId);
  }

  private replaceCommands(json: unknown, guildId: string | undefined): Reply {
    if (!Array.isArray(json)) return invalidForm('_root', 'BASE_TYPE_ARRAY', 'Must be an array.');
    if (json.length > 100) return invalidForm('_root', 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    const list: JsonObject[] = [];
    for (const [index, item] of json.entries()) {
      const error = validateCommand(item, String(index));
      if (error) return error;
      list.push(this.commandObject(item as JsonObject, guildId));
    }
    if (guildId === undefined) this.globalCommands.splice(0, this.globalCommands.length, ...list);
    else this.guildCommands.set(guildId, list);
    return { status: 200, body: list };
  }

  private upsertCommand(body: JsonObject, guildId: string | undefined): Reply {
    const error = validateCommand(body, '_root');
    if (error) return error;
    const list = guildId === undefined ? this.globalCommands : (this.guildCommands.get(guildId) ?? []);
    const command = this.commandObject(body, guildId);
    const index = list.findIndex((c) => c.name === command.name);
    if (index >= 0) list[index] = command;
    else list.push(command);
    if (guildId !== undefined) this.guildCommands.set(guildId, list);
    return { status: index >= 0 ? 200 : 201, body: command };
  }

  private deleteCommand(id: string, guildId: string | undefined): Reply {
    const list = guildId === undefined ? this.globalCommands : (this.guildCommands.get(guildId) ?? []);
    const index = list.findIndex((c) => c.id === id);
    if (index < 0) return { status: 404, body: { message: 'Unknown application command', code: 10063 } };
    list.splice(index, 1);
    return { status: 204 };
  }

  private commandObject(input: JsonObject, guildId: string | undefined): JsonObject {
    const name = String(input.name);
    const existing = (guildId === undefined ? this.globalCommands : (this.guildCommands.get(guildId) ?? [])).find(
      (c) => c.name === name,
    );
    return {
      type: 1,
      description: '',
      options: [],
      default_member_permissions: null,
      nsfw: false,
      integration_types: [0],
      contexts: null,
      name_localizations: null,
      description_localizations: null,
      ...input,
      id: (existing?.id as string | undefined) ?? this.commandIds.get(name) ?? snowflake(),
      application_id: this.application.id,
      version: snowflake(),
      ...(guildId === undefined ? {} : { guild_id: guildId }),
    };
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (this.closed || (url.pathname !== '/gateway' && url.pathname !== '/gateway/')) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    this.sockets.add(ws);
    let session: Session | undefined;
    ws.on('close', (code) => {
      this.sockets.delete(ws);
      if (!session || session.socket !== ws) return;
      session.socket = undefined;
      // Discord ends a session on a normal close (1000/1001); other codes keep it resumable.
      if (code === 1000 || code === 1001) this.sessions.delete(session.id);
    });
    ws.on('message', (raw: RawData) => {
      let payload: { op?: unknown; d?: unknown };
      try {
        payload = JSON.parse(rawToString(raw)) as { op?: unknown; d?: unknown };
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      const op = typeof payload.op === 'number' ? payload.op : -1;
      this.gatewayLog.push({ direction: 'in', op, t: null, s: null, d: payload.d, at: Date.now() });
      const d = (typeof payload.d === 'object' && payload.d !== null ? payload.d : {}) as JsonObject;
      switch (op) {
        case 1:
          this.send(ws, { op: 11 });
          return;
        case 2: {
          if (session) {
            ws.close(4005, 'Already authenticated');
            return;
          }
          if (this.options.token !== undefined && d.token !== this.options.token) {
            ws.close(4004, 'Authentication failed');
            return;
          }
          session = { id: randomBytes(16).toString('hex'), seq: 0, buffer: [], socket: ws };
          this.sessions.set(session.id, session);
          this.sendReady(session);
          return;
        }
        case 6: {
          const resumed = this.sessions.get(String(d.session_id ?? ''));
          if (!resumed || (this.options.token !== undefined && d.token !== this.options.token)) {
            this.send(ws, { op: 9, d: false });
            return;
          }
          resumed.socket?.terminate();
          resumed.socket = ws;
          session = resumed;
          const after = typeof d.seq === 'number' ? d.seq : 0;
          for (const missed of resumed.buffer) if ((missed.s ?? 0) > after) this.send(ws, missed);
          resumed.seq += 1;
          this.send(ws, { op: 0, t: 'RESUMED', s: resumed.seq, d: {} });
          return;
        }
        case 3:
        case 4:
        case 8:
          return;
        default:
          ws.close(4001, 'Unknown opcode');
      }
    });
    this.send(ws, { op: 10, d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? 41_250 } });
  }

  private sendReady(session: Session): void {
    session.seq += 1;
    const ready = {
      op: 0,
      t: 'READY',
      s: session.seq,
      d: {
        v: 10,
        user: { ...this.botUser, verified: true, mfa_enabled: false, email: null },
        guilds: this.guilds.map((guild) => ({ id: guild.id, unavailable: true })),
        session_id: session.id,
        resume_gateway_url: this.gatewayUrl,
        shard: [0, 1],
        application: { id: this.application.id, flags: this.application.flags },
        user_settings: {},
        private_channels: [],
        presences: [],
        relationships: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        auth: {},
        session_type: 'normal',
        _trace: ['["fake-gateway",{"micros":0}]'],
      },
    };
    session.buffer.push(ready);
    if (session.socket) this.send(session.socket, ready);
    for (const guild of this.guilds) {
      session.seq += 1;
      const event = { op: 0, t: 'GUILD_CREATE', s: session.seq, d: this.guildPayload(guild) };
      session.buffer.push(event);
      if (session.socket) this.send(session.socket, event);
    }
  }

  private guildPayload(guild: FakeDiscordGuild): JsonObject {
    const channels = [...this.channels.values()]
      .filter((channel) => channel.guild_id === guild.id)
      .map(({ guild_id: _guildId, ...channel }) => channel);
    return {
      id: guild.id,
      name: guild.name ?? `Test guild ${guild.id.slice(-4)}`,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: '1000000000000000001',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [
        {
          id: guild.id,
          name: '@everyone',
          color: 0,
          colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
          hoist: false,
          position: 0,
          permissions: DEFAULT_MEMBER_PERMISSIONS,
          managed: false,
          mentionable: false,
          flags: 0,
          icon: null,
          unicode_emoji: null,
        },
      ],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: guild.locale ?? 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      max_video_channel_users: 25,
      joined_at: new Date(Date.now() - 86_400_000).toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [
        {
          user: this.botUser,
          roles: [],
          joined_at: new Date(Date.now() - 86_400_000).toISOString(),
          deaf: false,
          mute: false,
          flags: 0,
          nick: null,
          avatar: null,
          premium_since: null,
          pending: false,
          communication_disabled_until: null,
        },
      ],
      channels,
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  private send(ws: WebSocket, payload: GatewayPayload): void {
    this.gatewayLog.push({
      direction: 'out',
      op: payload.op,
      t: typeof payload.t === 'string' ? payload.t : null,
      s: typeof payload.s === 'number' ? payload.s : null,
      d: payload.d,
      at: Date.now(),
    });
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: null, s: null, d: null, ...payload }));
  }
}

/** Starts a fake Discord (REST + gateway) on 127.0.0.1 with a random port. */
export function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return FakeDiscord.start(options);
}

/** A snowflake for the current time, so discord.js `createdTimestamp` is realistic. */
let snowflakeIncrement = 0n;
function snowflake(): string {
  snowflakeIncrement = (snowflakeIncrement + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n) | snowflakeIncrement).toString();
}

function guildTextChannel(id: string, guildId: string, name: string): JsonObject {
  return {
    id,
    type: 0,
    guild_id: guildId,
    name,
    position: 0,
    parent_id: null,
    topic: null,
    nsfw: false,
    rate_limit_per_user: 0,
    last_message_id: null,
    permission_overwrites: [],
    flags: 0,
  };
}

function dmChannel(id: string, recipient: JsonObject): JsonObject {
  return { id, type: 1, last_message_id: null, flags: 0, recipients: [recipient] };
}

function optionType(value: string | number | boolean): number {
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
  return 3;
}

function validateCommand(item: unknown, path: string): Reply | undefined {
  if (typeof item !== 'object' || item === null)
    return invalidForm(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
  const command = item as JsonObject;
  const type = typeof command.type === 'number' ? command.type : 1;
  if (
    typeof command.name !== 'string' ||
    (type === 1 && !/^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u.test(command.name))
  ) {
    return invalidForm(`${path}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
  if (type === 1 && command.name !== command.name.toLowerCase())
    return invalidForm(`${path}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  if (
    type === 1 &&
    (typeof command.description !== 'string' || command.description.length < 1 || command.description.length > 100)
  ) {
    return invalidForm(`${path}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
  return undefined;
}

/**
 * What Discord refuses in a modal (callback type 9): custom_id 1-100, title 1-45, 1-5 top-level
 * components, each a Label (type 18, label 1-45) holding a text input (type 4) or an action row
 * (type 1) with one text input carrying its own label; a text input has a custom_id, style 1 or 2,
 * lengths within 0-4000 and a value no longer than its max_length.
 * https://discord.com/developers/docs/components/reference#text-input
 */
function modalProblem(data: JsonObject): { path: string; message: string } | undefined {
  const customId = typeof data.custom_id === 'string' ? data.custom_id : '';
  if (customId.length < 1 || customId.length > 100)
    return { path: 'data.custom_id', message: 'Must be between 1 and 100 in length.' };
  const title = typeof data.title === 'string' ? data.title : '';
  if (title.length < 1 || title.length > 45)
    return { path: 'data.title', message: 'Must be between 1 and 45 in length.' };
  const components = Array.isArray(data.components) ? (data.components as JsonObject[]) : [];
  if (components.length < 1 || components.length > 5)
    return { path: 'data.components', message: 'Must be between 1 and 5 in length.' };
  for (const [index, component] of components.entries()) {
    const path = `data.components.${index}`;
    let input: JsonObject | undefined;
    let label: unknown;
    if (component.type === 18) {
      label = component.label;
      input = component.component as JsonObject | undefined;
    } else if (component.type === 1 && Array.isArray(component.components) && component.components.length === 1) {
      input = component.components[0] as JsonObject;
      label = input.label;
    } else return { path: `${path}.type`, message: 'Component type is not allowed in a modal.' };
    if (typeof label !== 'string' || label.length < 1 || label.length > 45)
      return { path: `${path}.label`, message: 'Must be between 1 and 45 in length.' };
    if (input?.type !== 4) return { path: `${path}.component.type`, message: 'Must be a text input.' };
    if (typeof input.custom_id !== 'string' || input.custom_id.length < 1 || input.custom_id.length > 100)
      return { path: `${path}.component.custom_id`, message: 'Must be between 1 and 100 in length.' };
    if (input.style !== 1 && input.style !== 2) return { path: `${path}.component.style`, message: 'Invalid style.' };
    const max = typeof input.max_length === 'number' ? input.max_length : 4000;
    const min = typeof input.min_length === 'number' ? input.min_length : 0;
    if (max < 1 || max > 4000 || min < 0 || min > max)
      return { path: `${path}.component.max_length`, message: 'Must be between 1 and 4000.' };
    if (typeof input.value === 'string' && [...input.value].length > max)
      return { path: `${path}.component.value`, message: `Must be ${max} or fewer in length.` };
  }
  return undefined;
}

function invalidForm(path: string, code: string, message: string): Reply {
  const errors: JsonObject = {};
  let node = errors;
  const parts = path.split('.');
  for (const [index, part] of parts.entries()) {
    const next: JsonObject = index === parts.length - 1 ? { _errors: [{ code, message }] } : {};
    node[part] = next;
    node = next;
  }
  return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function rawToString(raw: RawData): string {
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.from(raw).toString('utf8');
}

function mimeFor(bytes: Buffer): string {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp') return 'video/mp4';
  if (bytes.length >= 12 && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return 'application/octet-stream';
}
