import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { autoRetry } from '@grammyjs/auto-retry';
import { run, type RunnerHandle } from '@grammyjs/runner';
import { Bot, GrammyError, InputFile, webhookCallback } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postWebhook, startFakeTelegram, type FakeTelegram } from '#tests/fakes/telegram-bot-api';
import { makePng, readPng } from '#tests/fakes/test-png';

const TOKEN = '123456789:TEST-token_abcdefghijklmnopqrstuvwxyz';
const USER_ID = 424242;

describe('fake Telegram Bot API with the real grammY', () => {
  let fake: FakeTelegram;
  let bot: Bot;
  let runner: RunnerHandle | undefined;
  let webhookServer: Server | undefined;

  beforeEach(async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    bot = new Bot(TOKEN, { client: { apiRoot: fake.apiRoot } });
    bot.catch((error) => {
      throw error.error;
    });
  });

  afterEach(async () => {
    if (runner?.isRunning()) await runner.stop();
    runner = undefined;
    if (webhookServer) await new Promise((resolve) => webhookServer?.close(resolve));
    webhookServer = undefined;
    await fake.close();
  });

  it('bot.init() reads getMe; a wrong token gets 401 Unauthorized', async () => {
    await bot.init();
    expect(bot.botInfo).toMatchObject({ id: 123456789, is_bot: true, username: 'imagine_test_bot' });

    const stranger = new Bot('999:wrong', { client: { apiRoot: fake.apiRoot } });
    const error = await stranger.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({ error_code: 401, description: 'Unauthorized' });
  });

  it('long polling with the runner: a pushed command is answered with the same PNG bytes', async () => {
    const png = makePng(64, 48);
    bot.command('imagine', async (ctx) => {
      await ctx.replyWithPhoto(new InputFile(png, 'result.png'), { caption: `done: ${ctx.match}` });
    });
    runner = run(bot);
    await fake.waitForCall('getUpdates');

    fake.pushUpdate(fake.messageUpdate({ fromId: USER_ID, text: '/imagine a red fox', languageCode: 'de' }));
    const call = await fake.waitForCall('sendPhoto');

    expect(call.params).toMatchObject({ chat_id: USER_ID, caption: 'done: a red fox' });
    expect(call.files).toHaveLength(1);
    expect(call.files[0]?.ref).toBe('photo');
    expect(call.files[0]?.filename).toBe('result.png');
    expect(call.files[0]?.bytes.equals(png)).toBe(true);
    const sent = (call.response as { result: { photo: Array<{ width: number; height: number; file_id: string }> } })
      .result;
    expect(sent.photo.at(-1)).toMatchObject({ width: 64, height: 48 });
    expect(fake.fileBytes(sent.photo.at(-1)?.file_id ?? '')?.equals(png)).toBe(true);

    // The runner confirms the update with the next offset; nothing is redelivered.
    await fake.waitForCall('getUpdates', (c) => c.params.offset === 2);
    expect(fake.pendingUpdates()).toHaveLength(0);
  });

  it('a callback query is answered once; a second answer is refused like Telegram does', async () => {
    await bot.init();
    const sent = await bot.api.sendMessage(USER_ID, 'Pick one', {
      reply_markup: { inline_keyboard: [[{ text: 'Again', callback_data: 'reroll:1' }]] },
    });
    bot.callbackQuery(/^reroll:/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'Working on it' });
      await ctx.editMessageText('Rerolling…');
    });
    const update = fake.callbackUpdate({
      chatId: USER_ID,
      fromId: USER_ID,
      data: 'reroll:1',
      messageId: sent.message_id,
    });
    await bot.handleUpdate(update);

    const answer = await fake.waitForCall('answerCallbackQuery');
    expect(answer.status).toBe(200);
    expect(answer.params).toMatchObject({ callback_query_id: update.callback_query?.id, text: 'Working on it' });
    const edit = await fake.waitForCall('editMessageText');
    expect(edit.params).toMatchObject({ chat_id: USER_ID, message_id: sent.message_id, text: 'Rerolling…' });
    expect(fake.message(USER_ID, sent.message_id)).toMatchObject({ text: 'Rerolling…' });
    expect(fake.message(USER_ID, sent.message_id)?.reply_markup).toBeUndefined();

    const again = await bot.api.answerCallbackQuery(update.callback_query?.id ?? '').catch((e: unknown) => e);
    expect(again).toMatchObject({ error_code: 400, description: expect.stringContaining('query is too old') });
  });

  it('editing a message to the same text fails with "message is not modified"', async () => {
    const sent = await bot.api.sendMessage(USER_ID, 'Same');
    const error = await bot.api.editMessageText(USER_ID, sent.message_id, 'Same').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).description).toMatch(/^Bad Request: message is not modified/);
  });

  it('a photo from the user can be fetched with getFile and downloaded from /file/bot<token>/', async () => {
    const photo = makePng(30, 20, [200, 10, 10, 255]);
    let downloaded: Buffer | undefined;
    bot.on('message:photo', async (ctx) => {
      const file = await ctx.getFile();
      const response = await fetch(`${fake.apiRoot}/file/bot${TOKEN}/${file.file_path}`);
      downloaded = Buffer.from(await response.arrayBuffer());
    });
    await bot.init();
    await bot.handleUpdate(fake.messageUpdate({ fromId: USER_ID, photo, caption: 'edit this' }));

    expect(downloaded?.equals(photo)).toBe(true);
    expect(readPng(downloaded ?? Buffer.alloc(0)).topLeft).toEqual([200, 10, 10, 255]);
  });

  it('webhook mode: webhookCallback answers 401 without the right secret and handles the update with it', async () => {
    await bot.init();
    bot.on('message:text', (ctx) => ctx.reply(`echo ${ctx.message.text}`));
    webhookServer = createServer(webhookCallback(bot, 'http', { secretToken: 'hook-secret' }));
    webhookServer.listen(0, '127.0.0.1');
    await once(webhookServer, 'listening');
    const address = webhookServer.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/telegram`;

    expect(await postWebhook(url, fake.messageUpdate({ fromId: USER_ID, text: 'no secret' }))).toBe(401);
    expect(await postWebhook(url, fake.messageUpdate({ fromId: USER_ID, text: 'wrong' }), 'nope')).toBe(401);
    expect(await postWebhook(url, fake.messageUpdate({ fromId: USER_ID, text: 'hello' }), 'hook-secret')).toBe(200);
    expect(fake.callsOf('sendMessage').map((call) => call.params.text)).toEqual(['echo hello']);

    // With a local webhook set, pushed updates are POSTed to it with the secret header.
    await bot.api.setWebhook(url, { secret_token: 'hook-secret' });
    fake.pushUpdate(fake.messageUpdate({ fromId: USER_ID, text: 'pushed' }));
    await fake.waitForCall('sendMessage', (call) => call.params.text === 'echo pushed');
    const conflict = await bot.api.getUpdates().catch((e: unknown) => e);
    expect(conflict).toMatchObject({ error_code: 409 });
  });

  it('flood control: a second message to a chat within a second gets 429 with retry_after; auto-retry waits it out', async () => {
    await fake.close();
    fake = await startFakeTelegram({ floodLimit: true });
    const raw = new Bot(TOKEN, { client: { apiRoot: fake.apiRoot } });

    await raw.api.sendMessage(USER_ID, 'first');
    const error = await raw.api.sendMessage(USER_ID, 'second').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    expect(fake.tooManyRequests).toBe(1);
    await raw.api.sendChatAction(USER_ID, 'upload_photo');

    const retrying = new Bot(TOKEN, { client: { apiRoot: fake.apiRoot } });
    retrying.api.config.use(autoRetry({ maxRetryAttempts: 2 }));
    const delivered = await retrying.api.sendMessage(USER_ID, 'third');
    expect(delivered.text).toBe('third');
    expect(fake.tooManyRequests).toBe(2);
  });

  it('getUpdates holds until an update arrives, honours offset and allowed_updates, and close() releases it', async () => {
    const held = bot.api.getUpdates({ timeout: 30, allowed_updates: ['message'] });
    await fake.waitForCall('getUpdates');
    fake.pushUpdate(fake.callbackUpdate({ chatId: USER_ID, fromId: USER_ID, data: 'x', messageId: 1 }));
    const pushed = fake.pushUpdate(fake.messageUpdate({ fromId: USER_ID, text: 'hi' }));
    const updates = await held;
    expect(updates.map((u) => u.update_id)).toEqual([pushed.update_id]);

    expect(await bot.api.getUpdates({ offset: pushed.update_id + 1, timeout: 0 })).toEqual([]);
    const batch = fake.pushUpdates([1, 2, 3].map((n) => fake.messageUpdate({ fromId: USER_ID, text: `m${n}` })));
    const limited = await bot.api.getUpdates({ offset: pushed.update_id + 1, limit: 2, timeout: 0 });
    expect(limited.map((u) => u.update_id)).toEqual(batch.slice(0, 2).map((u) => u.update_id));
    expect(await bot.api.getUpdates({ offset: (batch[2]?.update_id ?? 0) + 1, timeout: 0 })).toEqual([]);
    const afterBatch = (batch[2]?.update_id ?? 0) + 1;

    const started = Date.now();
    const pending = bot.api.getUpdates({ offset: afterBatch, timeout: 30 });
    await fake.waitForCall('getUpdates', (call) => call.params.timeout === 30 && call.params.offset === afterBatch);
    await fake.close();
    expect(await pending).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('accepts form-urlencoded bodies and multipart files sent directly in the field (curl -F photo=@file)', async () => {
    const form = await fetch(`${fake.apiRoot}/bot${TOKEN}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        chat_id: String(USER_ID),
        text: '42',
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] }),
      }),
    });
    expect(await form.json()).toMatchObject({ ok: true, result: { text: '42', chat: { id: USER_ID } } });
    expect(fake.callsOf('sendMessage')[0]?.params).toEqual({
      chat_id: USER_ID,
      text: '42',
      reply_markup: { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] },
    });

    const png = makePng(5, 5);
    const multipart = new FormData();
    multipart.set('chat_id', String(USER_ID));
    multipart.set('photo', new Blob([png], { type: 'image/png' }), 'direct.png');
    const direct = await fetch(`${fake.apiRoot}/bot${TOKEN}/sendPhoto`, { method: 'POST', body: multipart });
    expect(direct.status).toBe(200);
    const call = fake.callsOf('sendPhoto')[0];
    expect(call?.files[0]).toMatchObject({ field: 'photo', filename: 'direct.png', mime: 'image/png', ref: 'photo' });
    expect(call?.files[0]?.bytes.equals(png)).toBe(true);

    const tooLongData = await bot.api
      .sendMessage(USER_ID, 'x', {
        reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: 'y'.repeat(65) }]] },
      })
      .catch((e: unknown) => e);
    expect(tooLongData).toMatchObject({ error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' });
  });

  it('injected failures surface as GrammyError; blocked chats get 403', async () => {
    fake.failNext('sendMessage', { status: 400, description: 'Bad Request: chat not found' });
    await expect(bot.api.sendMessage(USER_ID, 'x')).rejects.toMatchObject({
      error_code: 400,
      description: 'Bad Request: chat not found',
    });
    await expect(bot.api.sendMessage(USER_ID, 'x')).resolves.toMatchObject({ text: 'x' });

    fake.blockChat(USER_ID);
    await expect(bot.api.sendMessage(USER_ID, 'x')).rejects.toMatchObject({
      error_code: 403,
      description: 'Forbidden: bot was blocked by the user',
    });
  });

  it('sendMediaGroup uploads every InputFile and returns one message per item', async () => {
    const first = makePng(10, 10, [1, 2, 3, 255]);
    const second = makePng(12, 8, [4, 5, 6, 255]);
    const messages = await bot.api.sendMediaGroup(USER_ID, [
      { type: 'photo', media: new InputFile(first), caption: 'one' },
      { type: 'photo', media: new InputFile(second) },
    ]);
    expect(messages).toHaveLength(2);
    const groupIds = messages.map((message) => (message as { media_group_id?: string }).media_group_id);
    expect(groupIds[0]).toBeDefined();
    expect(groupIds[0]).toBe(groupIds[1]);
    const call = fake.callsOf('sendMediaGroup')[0];
    expect(call?.files.map((file) => file.ref)).toEqual(['media[0].media', 'media[1].media']);
    expect(call?.files[0]?.bytes.equals(first)).toBe(true);
    expect(call?.files[1]?.bytes.equals(second)).toBe(true);

    await expect(
      bot.api.sendMediaGroup(USER_ID, [{ type: 'photo', media: new InputFile(first) }]),
    ).rejects.toMatchObject({ error_code: 400 });
  });

  it('Telegram Stars: invoice, pre-checkout, successful payment and a single refund', async () => {
    await bot.init();
    const invoice = await bot.api.sendInvoice(USER_ID, '100 credits', 'Credits for images', 'pack:100', 'XTR', [
      { label: '100 credits', amount: 50 },
    ]);
    expect(invoice.invoice).toMatchObject({ currency: 'XTR', total_amount: 50 });
    await expect(
      bot.api.sendInvoice(USER_ID, 'x', 'y', 'p', 'XTR', [{ label: 'a', amount: 1 }], {
        provider_token: 'stripe-token',
      }),
    ).rejects.toMatchObject({ error_code: 400 });

    bot.on('pre_checkout_query', (ctx) => ctx.answerPreCheckoutQuery(true));
    bot.on('message:successful_payment', (ctx) =>
      ctx.api.refundStarPayment(ctx.from.id, ctx.message.successful_payment.telegram_payment_charge_id),
    );
    await bot.handleUpdate(
      fake.preCheckoutUpdate({ fromId: USER_ID, payload: 'pack:100', total_amount: 50, currency: 'XTR' }),
    );
    expect((await fake.waitForCall('answerPreCheckoutQuery')).params).toMatchObject({ ok: true });

    await bot.handleUpdate(
      fake.successfulPaymentUpdate({
        chatId: USER_ID,
        fromId: USER_ID,
        payload: 'pack:100',
        total_amount: 50,
        telegram_payment_charge_id: 'charge-1',
      }),
    );
    expect((await fake.waitForCall('refundStarPayment')).status).toBe(200);
    await expect(bot.api.refundStarPayment(USER_ID, 'charge-1')).rejects.toMatchObject({ error_code: 400 });
  });

  it('setMyCommands is stored per scope and language and read back by getMyCommands', async () => {
    await bot.api.setMyCommands([{ command: 'imagine', description: 'Bild erzeugen' }], {
      language_code: 'de',
      scope: { type: 'all_private_chats' },
    });
    expect(await bot.api.getMyCommands({ language_code: 'de', scope: { type: 'all_private_chats' } })).toEqual([
      { command: 'imagine', description: 'Bild erzeugen' },
    ]);
    expect(await bot.api.getMyCommands()).toEqual([]);
    await expect(bot.api.setMyCommands([{ command: 'Bad-Name', description: 'x' }])).rejects.toMatchObject({
      error_code: 400,
    });
  });
});
