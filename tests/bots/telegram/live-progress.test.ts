import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translate } from '#core';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { FakeSdApi } from '#tests/fakes/sdapi-api';
import {
  balanceOf,
  buttonsOf,
  callsTo,
  onboard,
  pressButton,
  sendText,
  shownText,
  startTelegramHarness,
  waitForAnswer,
  waitForText,
  waitUntil,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';
import { ledgerOf } from '#tests/core/generation/generation-helpers';

const PERCENT = /^Creating… (\d+)%/;

/**
 * The status message of a job on a Stable Diffusion server shows the percentage the server
 * reports (`GET /sdapi/v1/progress`), edited at most once every 3 s per chat, with a Cancel
 * button that stops the server (`POST /sdapi/v1/interrupt`) and refunds once.
 */
describe('live progress in the Telegram status message', () => {
  let sd: FakeSdApi;
  let h: TelegramHarness;

  beforeAll(async () => {
    sd = await FakeSdApi.start({ msPerImage: 4_000 });
    h = await startTelegramHarness({ mode: 'polling', env: { SDAPI_URLS: sd.url } });
  });

  afterAll(async () => {
    await h?.close();
    await sd?.close();
  });

  it('shows the server’s real percentages, one edit per 3 s at most, with Cancel', { timeout: 60_000 }, async () => {
    const chat = 5101;
    await onboard(h.fake, chat);
    const before = h.fake.calls.length;
    sendText(h.fake, { fromId: chat, text: '/imagine a fox in the snow --n 2' });
    await waitUntil(
      () => h.fake.calls.find((call) => call.method === 'sendPhoto' || call.method === 'sendMediaGroup'),
      () => 'the pictures',
      30_000,
    );
    const statusCalls = callsTo(h.fake, chat)
      .slice(0)
      .filter((call) => h.fake.calls.indexOf(call) >= before && call.method === 'editMessageText');
    const percents = statusCalls
      .map((call) => PERCENT.exec(shownText(call))?.[1])
      .filter((value): value is string => value !== undefined)
      .map(Number);
    expect(percents.length).toBeGreaterThan(0);
    // Only numbers the server said: a percentage it answered, never a made-up 0 % or 100 %.
    const answered = new Set(sd.progressAnswers.map((fraction) => Math.floor(fraction * 100)));
    for (const percent of percents) expect(answered).toContain(percent);
    expect(statusCalls.map(shownText)).not.toContain('Creating… 0%');
    // Each progress edit keeps the Cancel button.
    for (const call of statusCalls.filter((candidate) => PERCENT.test(shownText(candidate))))
      expect(buttonsOf(call).map((button) => button.text)).toContain(translate('en', 'job.cancel_button'));
    // At most one progress edit per chat every 3 s.
    const progressAt = statusCalls.filter((call) => PERCENT.test(shownText(call))).map((call) => call.at);
    for (let index = 1; index < progressAt.length; index++)
      expect((progressAt[index] ?? 0) - (progressAt[index - 1] ?? 0)).toBeGreaterThanOrEqual(2_900);
    expect(statusCalls.filter((call) => call.status === 400)).toEqual([]);
  });

  it('Cancel stops the server and refunds once; a second press gets a clear answer, nothing moves', {
    timeout: 60_000,
  }, async () => {
    const chat = 5102;
    await onboard(h.fake, chat);
    const interruptsBefore = sd.interrupts;
    sendText(h.fake, { fromId: chat, text: '/imagine a slow lighthouse --n 2' });
    await waitForText(h.fake, chat, PERCENT, 20_000);
    const generation = await h.t.database.prisma.generation.findFirstOrThrow({
      where: { prompt: 'a slow lighthouse' },
    });
    expect(await balanceOf(h.t, chat)).toBe(10 - generation.cost);

    const press = await pressButton(h.fake, {
      chatId: chat,
      fromId: chat,
      label: translate('en', 'job.cancel_button'),
    });
    await waitForAnswer(h.fake, press);
    await waitForText(h.fake, chat, translate('en', 'job.cancelled', { cost: generation.cost }));
    await waitUntil(
      () => (sd.interrupts > interruptsBefore ? true : undefined),
      () => 'the server to be told to stop',
    );
    expect(sd.jobs.at(-1)?.interrupted).toBe(true);

    // Pressed again on the same (old) button: told it can no longer be cancelled; nothing moves.
    const again = await pressButton(h.fake, {
      chatId: chat,
      fromId: chat,
      label: translate('en', 'job.cancel_button'),
    });
    const answer = await waitForAnswer(h.fake, again);
    const answered = String(answer.params.text ?? '');
    const shown = answered || shownText(callsTo(h.fake, chat).at(-1) ?? answer);
    expect(shown).toContain(translate('en', 'errors.job_not_cancellable'));

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await ledgerOf(h.t.database.prisma, generation.id)).toEqual([
      ['reserve', -generation.cost],
      ['release', generation.cost],
    ]);
    expect(await balanceOf(h.t, chat)).toBe(10);
    const after = await h.t.database.prisma.generation.findUniqueOrThrow({
      where: { id: generation.id },
      include: { media: true },
    });
    expect(after).toMatchObject({ status: 'cancelled', media: [] });
  });

  it('in a group, only the one who asked can cancel; the others are told so', { timeout: 60_000 }, async () => {
    const group = -1_005_103;
    const owner = 5103;
    const other = 5104;
    await onboard(h.fake, owner);
    await onboard(h.fake, other);
    sendText(h.fake, { fromId: owner, chatId: group, text: '/imagine a harbour in a group --n 2' });
    await waitForText(h.fake, group, /Creating…/, 20_000);
    const generation = await h.t.database.prisma.generation.findFirstOrThrow({
      where: { prompt: 'a harbour in a group' },
    });
    const interruptsBefore = sd.interrupts;

    const stranger = await pressButton(h.fake, {
      chatId: group,
      fromId: other,
      label: translate('en', 'job.cancel_button'),
    });
    const refused = await waitForAnswer(h.fake, stranger);
    expect(String(refused.params.text ?? '')).toContain(translate('en', 'errors.not_job_owner'));
    expect(sd.interrupts).toBe(interruptsBefore);
    expect((await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id: generation.id } })).status).toBe(
      'running',
    );

    const own = await pressButton(h.fake, {
      chatId: group,
      fromId: owner,
      label: translate('en', 'job.cancel_button'),
    });
    await waitForAnswer(h.fake, own);
    await waitUntil(
      () => (sd.interrupts > interruptsBefore ? true : undefined),
      () => 'the server to be told to stop',
    );
    expect(await ledgerOf(h.t.database.prisma, generation.id)).toEqual([
      ['reserve', -generation.cost],
      ['release', generation.cost],
    ]);
  });
});

/** The same on ComfyUI: the percentages of its `/ws` progress events, and Cancel reaching `/interrupt`. */
describe('live progress of a ComfyUI job in the Telegram status message', () => {
  const STEPS = 8;
  let comfy: FakeComfyUiApi;
  let h: TelegramHarness;

  beforeAll(async () => {
    comfy = await FakeComfyUiApi.start({ steps: STEPS, stepMs: 900 });
    const env = { COMFYUI_URLS: comfy.url };
    h = await startTelegramHarness({
      mode: 'polling',
      env,
    });
  });

  afterAll(async () => {
    await h?.close();
    await comfy?.close();
  });

  it('shows the sampler’s step percentages, then Cancel interrupts our prompt', { timeout: 60_000 }, async () => {
    const chat = 5201;
    await onboard(h.fake, chat);
    sendText(h.fake, { fromId: chat, text: '/imagine a fox made of paper' });
    const edit = await waitForText(h.fake, chat, PERCENT, 20_000);
    const percent = Number(PERCENT.exec(shownText(edit))?.[1]);
    const steps = Array.from({ length: STEPS }, (_, step) => Math.floor(((step + 1) / STEPS) * 100));
    expect(steps).toContain(percent);
    const generation = await h.t.database.prisma.generation.findFirstOrThrow({
      where: { prompt: 'a fox made of paper' },
    });
    const [prompt] = [...comfy.prompts.values()];

    const press = await pressButton(h.fake, {
      chatId: chat,
      fromId: chat,
      label: translate('en', 'job.cancel_button'),
    });
    await waitForAnswer(h.fake, press);
    await waitUntil(
      () => (comfy.interrupts.length > 0 ? true : undefined),
      () => 'ComfyUI to be told to stop',
    );
    expect(comfy.interrupts[0]?.running).toBe(prompt?.id);
    await waitUntil(
      () => (prompt?.state === 'interrupted' ? true : undefined),
      () => 'the prompt to stop',
    );
    expect(await ledgerOf(h.t.database.prisma, generation.id)).toEqual([
      ['reserve', -generation.cost],
      ['release', generation.cost],
    ]);
  });
});
