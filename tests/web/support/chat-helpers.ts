import { expect } from 'vitest';
import type { Button, Reply } from '#core';
import type { TestCore } from '#tests/support/test-core';
import type { Delivery } from '#tests/support/recording-notifier';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import type { WebClient } from '#tests/web/support/web-client';

/** A chat user who accepted the terms and made one delivered image; returns their user id and the generation. */
export async function chatUserWithImage(
  t: TestCore,
  platformUserId: string,
  prompt = 'a red fox in the snow',
): Promise<{ chat: ChatUser; userId: string; generationId: string }> {
  const chat = new ChatUser(t, platformUserId);
  await chat.onboard();
  const replies = await chat.command('imagine', prompt);
  const status = replies.find((reply) => reply.type === 'status');
  expect(status, JSON.stringify(replies)).toBeDefined();
  const generationId = status?.type === 'status' ? status.generationId : '';
  await t.notifier.waitFor((delivery) =>
    delivery.replies.some((reply) => reply.type === 'media' && reply.generationId === generationId),
  );
  const identity = await t.database.prisma.identity.findUniqueOrThrow({
    where: { provider_subject: { provider: 'telegram', subject: platformUserId } },
  });
  return { chat, userId: identity.userId, generationId };
}

/** Sends /link in the chat and returns the path of the address it gives. */
export async function linkPathFrom(chat: ChatUser): Promise<string> {
  const text = renderText((await chat.command('link'))[0]);
  const url = /https?:\/\/\S+\/link\/[\w-]+/.exec(text)?.[0];
  expect(url, text).toBeDefined();
  return new URL(url ?? '').pathname;
}

/** The buttons of a reply (none for other kinds). */
export function buttonsOf(reply: Reply | undefined): Button[] {
  return reply?.type === 'message' ? (reply.buttons ?? []).flat() : [];
}

/** The newest link confirmation the website sent into this chat user's private chat. */
export function lastLinkPrompt(
  t: TestCore,
  chat: ChatUser,
): { delivery: Delivery; reply: Reply; confirm: string; cancel: string } {
  const delivery = [...t.notifier.deliveries]
    .reverse()
    .find(
      (candidate) =>
        candidate.target.platform === chat.platform &&
        candidate.target.platformUserId === chat.platformUserId &&
        candidate.replies.some((reply) => buttonsOf(reply).some((button) => button.action?.name === 'confirm_link')),
    );
  expect(delivery, 'no link confirmation was sent into the chat').toBeDefined();
  const reply = delivery?.replies.find((candidate) => buttonsOf(candidate).length > 0) as Reply;
  const arg = (name: string) => buttonsOf(reply).find((button) => button.action?.name === name)?.action?.arg ?? '';
  return { delivery: delivery as Delivery, reply, confirm: arg('confirm_link'), cancel: arg('cancel_link') };
}

/** Links a chat user to the signed-in web client the whole way: /link, the web confirmation, the chat's Confirm button. */
export async function linkBothSides(t: TestCore, chat: ChatUser, client: WebClient): Promise<Reply[]> {
  const path = await linkPathFrom(chat);
  await client.get(path);
  expect((await client.post(path)).status).toBe(200);
  return chat.press('confirm_link', lastLinkPrompt(t, chat).confirm);
}
