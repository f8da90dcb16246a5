import { randomUUID } from 'node:crypto';
import {
  catalogOf,
  createCore,
  createLogger,
  loadConfig,
  buildCoreDeps,
  type ActionName,
  type CommandRequest,
  type Core,
  type CoreDeps,
  type MessageKey,
  type Reply,
} from '#core';
import type { FakeTelegram, TelegramCall } from '#tests/fakes/telegram-bot-api';

/**
 * An operator's console next to a deployment: a core on the same database, in this process,
 * without Redis (nothing it does is queued). Used to onboard simulated users quickly and to read
 * the database for the checks.
 */
export type OperatorConsole = { core: Core; prisma: CoreDeps['prisma']; close(): Promise<void> };

/** Opens an {@link OperatorConsole}; `env` should carry the deployment's SIGNUP_CREDITS. */
export async function openConsole(options: {
  databaseUrl: string;
  dataDir: string;
  env?: Record<string, string>;
}): Promise<OperatorConsole> {
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.dataDir,
    AUTO_MIGRATE: 'false',
    LOG_LEVEL: 'silent',
    MODERATION_MODE: 'local-only',
    ...options.env,
  });
  const runtime = await buildCoreDeps(config, { logger: createLogger({ level: 'silent' }) });
  return { core: createCore(runtime.deps), prisma: runtime.deps.prisma, close: () => runtime.close() };
}

/**
 * Onboards Telegram users (private chats, chat id = user id) through `core.chat.run`, exactly
 * the /start, accept-terms and confirm-age steps the bot runs, so they hold their signup credits.
 * Done in-process rather than over the fake Bot API, where Telegram's 30 messages/s would make
 * onboarding a thousand users take minutes.
 */
export async function onboardUsers(core: Core, userIds: readonly number[], concurrency = 16): Promise<void> {
  let next = 0;
  const onboardNext = async (): Promise<void> => {
    while (next < userIds.length) {
      const userId = String(userIds[next++]);
      const run = (extra: Pick<CommandRequest, 'command' | 'action'>) =>
        core.chat.run({
          eventId: randomUUID(),
          actor: { platform: 'telegram', platformUserId: userId, locale: 'en' },
          chat: { id: userId, type: 'private', messageId: '1' },
          ...extra,
        });
      const accept = buttonOf(await run({ command: { name: 'start', args: '' } }), 'accept_terms');
      const confirm = buttonOf(await run({ action: { name: 'accept_terms', arg: accept } }), 'confirm_age');
      const done = await run({ action: { name: 'confirm_age', arg: confirm } });
      if (
        done.some(
          (reply) => reply.type === 'message' && !Array.isArray(reply.text) && reply.text.key.startsWith('errors.'),
        )
      ) {
        throw new Error(`onboarding of ${userId} failed: ${JSON.stringify(done)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, userIds.length) }, onboardNext));
}

function buttonOf(replies: Reply[], action: ActionName): string {
  for (const reply of replies) {
    if (reply.type !== 'message') continue;
    const button = (reply.buttons ?? []).flat().find((candidate) => candidate.action?.name === action);
    if (button?.action) return button.action.arg;
  }
  throw new Error(`no ${action} button in ${JSON.stringify(replies)}`);
}

/** Sends `/imagine <prompt>` from a user in their private chat; returns when (just before it reached the fake's update queue). */
export function sendImagine(telegram: FakeTelegram, userId: number, prompt: string): number {
  const sentAt = Date.now();
  telegram.pushUpdate(telegram.messageUpdate({ chatId: userId, fromId: userId, text: `/imagine ${prompt}` }));
  return sentAt;
}

/** What a user saw as the end of a request: the picture, or a message that ends it (`key`: which one). */
export type Outcome = { kind: 'picture' | 'ended'; key: MessageKey | undefined; at: number; call: TelegramCall };

const CATALOG = catalogOf('en');
const ENDING_KEYS = (Object.keys(CATALOG) as MessageKey[]).filter(
  (key) => ['job.failed', 'job.blocked', 'job.cancelled', 'job.timed_out'].includes(key) || key.startsWith('errors.'),
);
/** The fixed start of each ending message (up to its first placeholder), longest first. */
const ENDING_PREFIXES = ENDING_KEYS.map((key) => ({ key, prefix: CATALOG[key].split('{')[0] ?? '' }))
  .filter((entry) => entry.prefix.length >= 8)
  .sort((a, b) => b.prefix.length - a.prefix.length);

/** The text a Bot API call shows, if it shows one. */
export function textOf(call: TelegramCall): string | undefined {
  const text = call.params.text ?? call.params.caption;
  return typeof text === 'string' ? text : undefined;
}

/** Whether a call shows a user the end of a request: a picture, or an ending message (with its key). */
export function outcomeOf(call: TelegramCall): Pick<Outcome, 'kind' | 'key'> | undefined {
  if (call.status !== 200) return undefined;
  if (call.method === 'sendPhoto' || call.method === 'sendMediaGroup') return { kind: 'picture', key: undefined };
  const text = textOf(call);
  if ((call.method !== 'sendMessage' && call.method !== 'editMessageText') || text === undefined) return undefined;
  const ending = ENDING_PREFIXES.find((entry) => text.startsWith(entry.prefix));
  return ending ? { kind: 'ended', key: ending.key } : undefined;
}

/** The chat a Bot API call went to, if any. */
export function chatOf(call: TelegramCall): number | undefined {
  const chatId = Number(call.params.chat_id);
  return Number.isFinite(chatId) ? chatId : undefined;
}

/**
 * Reads the fake's calls as they come and files them by chat, so waiting for one user's answer
 * among thousands of calls stays cheap.
 */
export class ChatWatcher {
  private cursor = 0;
  private readonly byChat = new Map<number, TelegramCall[]>();

  constructor(private readonly telegram: FakeTelegram) {}

  /** Calls to `chatId` so far, oldest first. */
  callsTo(chatId: number): readonly TelegramCall[] {
    this.catchUp();
    return this.byChat.get(chatId) ?? [];
  }

  /** The first call to `chatId` at or after `since` that matches. */
  firstCall(chatId: number, since: number, predicate: (call: TelegramCall) => boolean): TelegramCall | undefined {
    return this.callsTo(chatId).find((call) => call.at >= since && predicate(call));
  }

  /**
   * The first outcome in `chatId` at or after `since`, waiting up to `timeoutMs` (undefined when
   * none came). With `prompt`, a photo counts only when its caption shows that prompt: a result of
   * an earlier request sent again (a sender killed mid-send) is not this request's answer.
   */
  async waitForOutcome(
    chatId: number,
    since: number,
    timeoutMs: number,
    options: { prompt?: string } = {},
  ): Promise<Outcome | undefined> {
    const deadline = Date.now() + timeoutMs;
    const isOwn = (call: TelegramCall) =>
      !options.prompt || call.method !== 'sendPhoto' || (textOf(call) ?? '').includes(options.prompt);
    for (;;) {
      const call = this.firstCall(chatId, since, (candidate) => outcomeOf(candidate) !== undefined && isOwn(candidate));
      const outcome = call && outcomeOf(call);
      if (call && outcome) return { ...outcome, at: call.at, call };
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private catchUp(): void {
    const calls = this.telegram.calls;
    for (; this.cursor < calls.length; this.cursor += 1) {
      const call = calls[this.cursor];
      const chatId = call ? chatOf(call) : undefined;
      if (!call || chatId === undefined) continue;
      const list = this.byChat.get(chatId) ?? [];
      list.push(call);
      this.byChat.set(chatId, list);
    }
  }
}
