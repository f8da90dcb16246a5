import { randomUUID } from 'node:crypto';
import {
  translate,
  type CommandName,
  type ActionName,
  type CommandRequest,
  type Locale,
  type Reply,
  type Text,
} from '#core';
import type { TestCore } from '#tests/support/test-core';

/** Renders a reply's text the way a chat would show it, for assertions on what users read. */
export function renderText(reply: Reply | undefined, locale: Locale = 'en'): string {
  if (!reply) return '';
  const texts: Text[] =
    reply.type === 'message'
      ? Array.isArray(reply.text)
        ? reply.text
        : [reply.text]
      : reply.type === 'status'
        ? [reply.text]
        : reply.type === 'media' && reply.caption
          ? [reply.caption].flat()
          : [];
  return texts.map((text) => translate(locale, text.key, text.vars)).join('\n');
}

/** A chat user talking to core through `core.chat.run`, as a bot adapter would. */
export class ChatUser {
  /** The username and display name the platform reports with each update. */
  profile: { username?: string; displayName?: string } = {};

  constructor(
    private readonly testCore: TestCore,
    readonly platformUserId: string,
    readonly locale: Locale = 'en',
    readonly platform: 'telegram' | 'discord' = 'telegram',
    readonly chatId = platformUserId,
  ) {}

  /** Sends `/name args`. */
  async command(name: CommandName, args = '', extra: Partial<CommandRequest> = {}): Promise<Reply[]> {
    return this.shown(await this.testCore.core.chat.run({ ...this.base(), command: { name, args }, ...extra }));
  }

  /** Sends a message that is no command (a prompt, a photo via `extra.attachments`, an answer). */
  async say(text: string, extra: Partial<CommandRequest> = {}): Promise<Reply[]> {
    return this.shown(await this.testCore.core.chat.run({ ...this.base(), message: { text }, ...extra }));
  }

  /** Presses a button. */
  async press(name: ActionName, arg = '', extra: Partial<CommandRequest> = {}): Promise<Reply[]> {
    return this.shown(await this.testCore.core.chat.run({ ...this.base(), action: { name, arg }, ...extra }));
  }

  /** Does what an adapter does after showing replies: records the message that shows a job's status. */
  private async shown(replies: Reply[]): Promise<Reply[]> {
    for (const reply of replies) {
      if (reply.type === 'status')
        await this.testCore.core.chat.rememberStatusMessage(reply.generationId, `status-${reply.generationId}`);
    }
    return replies;
  }

  /** Accepts the terms and confirms the age, as the buttons would. */
  async onboard(): Promise<void> {
    const start = await this.command('start');
    const accept = start
      .flatMap((reply) => (reply.type === 'message' ? (reply.buttons ?? []).flat() : []))
      .find((button) => button.action?.name === 'accept_terms');
    const ageQuestion = await this.press('accept_terms', accept?.action?.arg ?? '');
    const confirm = ageQuestion
      .flatMap((reply) => (reply.type === 'message' ? (reply.buttons ?? []).flat() : []))
      .find((button) => button.action?.name === 'confirm_age');
    await this.press('confirm_age', confirm?.action?.arg ?? '');
  }

  private base(): Omit<CommandRequest, 'command' | 'action' | 'message'> {
    return {
      eventId: randomUUID(),
      actor: { platform: this.platform, platformUserId: this.platformUserId, locale: this.locale, ...this.profile },
      chat: {
        id: this.chatId,
        type: this.chatId === this.platformUserId ? 'private' : 'group',
        messageId: String(Math.floor(Math.random() * 1e6)),
        ...(this.chatId === this.platformUserId && this.platform === 'telegram' ? { takesPlainMessages: true } : {}),
      },
    };
  }
}
