import { expect } from 'vitest';
import type { TestCore } from '#tests/support/test-core';
import { ChatUser, renderText } from '#tests/support/chat-driver';

/** A chat user who accepted the terms and made one delivered image; returns their user id and the generation. */
export async function chatUserWithImage(t: TestCore, platformUserId: string, prompt = 'a red fox in the snow'): Promise<{ chat: ChatUser; userId: string; generationId: string }> {
  const chat = new ChatUser(t, platformUserId);
  await chat.onboard();
  const replies = await chat.command('imagine', prompt);
  const status = replies.find((reply) => reply.type === 'status');
  expect(status, JSON.stringify(replies)).toBeDefined();
  const generationId = status?.type === 'status' ? status.generationId : '';
  await t.notifier.waitFor((delivery) => delivery.replies.some((reply) => reply.type === 'media' && reply.generationId === generationId));
  const identity = await t.database.prisma.identity.findUniqueOrThrow({ where: { provider_subject: { provider: 'telegram', subject: platformUserId } } });
  return { chat, userId: identity.userId, generationId };
}

/** Sends /link in the chat and returns the path of the address it gives. */
export async function linkPathFrom(chat: ChatUser): Promise<string> {
  const text = renderText((await chat.command('link'))[0]);
  const url = /https?:\/\/\S+\/link\/[\w-]+/.exec(text)?.[0];
  expect(url, text).toBeDefined();
  return new URL(url ?? '').pathname;
}
