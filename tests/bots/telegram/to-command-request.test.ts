import { describe, expect, it } from 'vitest';
import { encodeAction } from '#core';
import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import { actorOf, intentOfMessage, requestOfCallback } from '#bots/telegram/to-command-request';

const FILES = { api: {} as Api, token: 'unused', apiRoot: 'http://127.0.0.1:9' };
const FROM = { id: 42, is_bot: false, first_name: 'Fiona' };

function intentOf(fields: Partial<Message>, chat: Message['chat'] = { id: 42, type: 'private', first_name: 'Fiona' }) {
  const message = { message_id: 5, date: 1, chat, from: FROM, ...fields } as Message;
  return intentOfMessage({ eventId: 'e1', message, botUsername: 'imagine_test_bot', files: FILES });
}

describe('Telegram updates as core requests', () => {
  it('carries the username and the display name, which the link confirmation names', () => {
    expect(
      actorOf({
        id: 42,
        is_bot: false,
        first_name: 'Fiona',
        last_name: 'Fox',
        username: 'fox_fan',
        language_code: 'en',
      }),
    ).toEqual({
      platform: 'telegram',
      platformUserId: '42',
      locale: 'en',
      username: 'fox_fan',
      displayName: 'Fiona Fox',
    });
    expect(actorOf({ id: 43, is_bot: false, first_name: 'Solo' })).toEqual({
      platform: 'telegram',
      platformUserId: '43',
      displayName: 'Solo',
    });
  });

  it('decodes a link confirmation button within the 64-byte callback data', () => {
    const data = encodeAction('confirm_link', 'A'.repeat(43));
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    const request = requestOfCallback({
      eventId: 'e1',
      from: { id: 42, is_bot: false, first_name: 'Fiona' },
      data,
      message: { message_id: 7, chat: { id: 42, type: 'private', first_name: 'Fiona' } },
    });
    expect(request?.action).toEqual({ name: 'confirm_link', arg: 'A'.repeat(43) });
  });

  it('sends private text and photos without a command to core as a message, and leaves them alone in groups', () => {
    const text = intentOf({ text: '  a fox in the snow ' });
    expect(text.kind === 'command' && text.request.message).toEqual({ text: 'a fox in the snow' });
    expect(text.kind === 'command' && text.request.command).toBeUndefined();

    const photo = intentOf({
      photo: [
        { file_id: 'small', file_unique_id: 's', width: 90, height: 90 },
        { file_id: 'large', file_unique_id: 'l', width: 800, height: 800, file_size: 1234 },
      ],
    });
    expect(photo.kind === 'command' && photo.request.message).toEqual({ text: '' });
    expect(
      photo.kind === 'command' &&
        photo.request.attachments?.map((attachment) => [attachment.ref, attachment.mime, attachment.sizeBytes]),
    ).toEqual([['large', 'image/jpeg', 1234]]);
    expect(photo.kind === 'command' && typeof photo.request.fetchAttachment).toBe('function');

    const group = { id: -100, type: 'supergroup', title: 'G' } as Message['chat'];
    expect(intentOf({ text: 'a fox' }, group)).toEqual({ kind: 'ignore' });
    expect(intentOf({ photo: [{ file_id: 'p', file_unique_id: 'p', width: 9, height: 9 }] }, group)).toEqual({
      kind: 'ignore',
    });
    expect(intentOf({ sticker: { file_id: 's' } } as Partial<Message>)).toEqual({ kind: 'ignore' });
    expect(intentOf({ text: '   ' })).toEqual({ kind: 'ignore' });
    expect(intentOf({ text: 42 } as unknown as Partial<Message>)).toEqual({ kind: 'ignore' });
    expect(intentOf({ text: 'hi', from: { id: 'x' } } as unknown as Partial<Message>)).toEqual({ kind: 'ignore' });
  });

  it('passes a group text that replies to this bot (the answer to its forced reply), and nothing else of a group', () => {
    const group = { id: -100, type: 'supergroup', title: 'G' } as Message['chat'];
    const ours = {
      message_id: 3,
      date: 1,
      chat: group,
      from: { id: 7, is_bot: true, first_name: 'Bot', username: 'Imagine_Test_Bot' },
    };
    const answer = intentOf({ text: ' a wolf ', reply_to_message: ours } as Partial<Message>, group);
    expect(answer.kind === 'command' && answer.request.message).toEqual({ text: 'a wolf' });
    expect(answer.kind === 'command' && answer.request.chat).toMatchObject({ id: '-100', type: 'group' });
    expect(answer.kind === 'command' && answer.request.chat.takesPlainMessages).toBeUndefined();

    const otherBot = { ...ours, from: { ...ours.from, username: 'other_bot' } };
    expect(intentOf({ text: 'a wolf', reply_to_message: otherBot } as Partial<Message>, group)).toEqual({
      kind: 'ignore',
    });
    const person = { ...ours, from: FROM };
    expect(intentOf({ text: 'a wolf', reply_to_message: person } as Partial<Message>, group)).toEqual({
      kind: 'ignore',
    });
    const photo = [{ file_id: 'p', file_unique_id: 'p', width: 9, height: 9 }];
    expect(intentOf({ photo, caption: 'a wolf', reply_to_message: ours } as Partial<Message>, group)).toEqual({
      kind: 'ignore',
    });
  });
});
