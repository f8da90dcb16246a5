import { describe, expect, it } from 'vitest';
import { encodeAction } from '#core';
import { actorOf, requestOfCallback } from '#bots/telegram/to-command-request';

describe('Telegram updates as core requests', () => {
  it('carries the username and the display name, which the link confirmation names', () => {
    expect(actorOf({ id: 42, is_bot: false, first_name: 'Fiona', last_name: 'Fox', username: 'fox_fan', language_code: 'en' })).toEqual({
      platform: 'telegram', platformUserId: '42', locale: 'en', username: 'fox_fan', displayName: 'Fiona Fox',
    });
    expect(actorOf({ id: 43, is_bot: false, first_name: 'Solo' })).toEqual({ platform: 'telegram', platformUserId: '43', displayName: 'Solo' });
  });

  it('decodes a link confirmation button within the 64-byte callback data', () => {
    const data = encodeAction('confirm_link', 'A'.repeat(43));
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    const request = requestOfCallback({ eventId: 'e1', from: { id: 42, is_bot: false, first_name: 'Fiona' }, data, message: { message_id: 7, chat: { id: 42, type: 'private', first_name: 'Fiona' } } });
    expect(request?.action).toEqual({ name: 'confirm_link', arg: 'A'.repeat(43) });
  });
});
