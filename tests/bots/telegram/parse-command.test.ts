import { describe, expect, it } from 'vitest';
import { parseCommand } from '#bots/telegram/parse-command';
import { eventIdOf } from '#bots/telegram/event-id';
import type { Update } from 'grammy/types';

const command = (length: number) => [{ type: 'bot_command' as const, offset: 0, length }];

describe('parseCommand', () => {
  it('reads the name, the bot it is addressed to and the arguments', () => {
    expect(parseCommand('/imagine@Imagine_Test_Bot a fox\nin snow ', command(25))).toEqual({
      name: 'imagine',
      mention: 'Imagine_Test_Bot',
      args: 'a fox\nin snow',
    });
    expect(parseCommand('/BALANCE', command(8))).toEqual({ name: 'balance', mention: undefined, args: '' });
  });

  it('takes only a bot_command entity at the very start', () => {
    expect(parseCommand('please /imagine a fox', [{ type: 'bot_command', offset: 7, length: 8 }])).toBeUndefined();
    expect(parseCommand('/imagine a fox', [])).toBeUndefined();
    expect(parseCommand('/imagine a fox', undefined)).toBeUndefined();
    expect(parseCommand(undefined, command(8))).toBeUndefined();
    expect(parseCommand('/', command(1))).toBeUndefined();
  });
});

describe('eventIdOf', () => {
  it('names a message by chat and message id, so a redelivered update keeps its id', () => {
    const message = { message_id: 7, date: 1, chat: { id: -100, type: 'supergroup', title: 'g' } };
    expect(eventIdOf({ update_id: 1, message } as unknown as Update)).toBe('tg:m:-100:7');
    expect(eventIdOf({ update_id: 99, message } as unknown as Update)).toBe('tg:m:-100:7');
    expect(eventIdOf({ update_id: 2, callback_query: { id: '42' } } as unknown as Update)).toBe('tg:cq:42');
    expect(eventIdOf({ update_id: 3 } as Update)).toBe('tg:u:3');
  });
});
