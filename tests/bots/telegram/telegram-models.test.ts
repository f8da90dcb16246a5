import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  onboard,
  pressButton,
  sendText,
  shownText,
  startTelegramHarness,
  waitForAnswer,
  waitForText,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';
import { writeTestModelsFile } from '#tests/support/test-models-file';

describe('Telegram: models from the models file', () => {
  let h: TelegramHarness;

  beforeAll(async () => {
    h = await startTelegramHarness({ mode: 'polling', env: { MODELS_FILE: await writeTestModelsFile() } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('offers /models in the command menus, in English and Chinese', async () => {
    const menus = await h.fake.waitForCall('setMyCommands', (call) =>
      (call.params.commands as { command: string }[]).some((command) => command.command === 'models'),
    );
    expect(menus.params.commands).toContainEqual({
      command: 'models',
      description: 'Models you can pick, with prices',
    });
  });

  it('/models shows the offered models with prices and times; the unconfigured provider’s model is absent', async () => {
    const user = 6101;
    await onboard(h.fake, user);
    sendText(h.fake, { fromId: user, text: '/models' });
    const answer = await waitForText(h.fake, user, 'Models (pick one with --model id');
    const text = shownText(answer);
    expect(text).toContain('• Demo: --model demo (used when you name none)\n  Credits per image: 1; HD ×2');
    expect(text).toContain('• Demo Pro: --model demo-pro\n  Credits per image: 3; no HD');
    expect(text).toContain('Median time in the last 24 h: no data yet');
    expect(text).not.toContain('gpt-image-1');
  });

  it('a default model picked in /settings serves the next /imagine and is charged at its price', async () => {
    const user = 6102;
    await onboard(h.fake, user);
    sendText(h.fake, { fromId: user, text: '/settings' });
    const press = await pressButton(h.fake, { chatId: user, fromId: user, label: 'Image: Demo Pro' });
    expect((await waitForAnswer(h.fake, press)).status).toBe(200);
    await waitForText(h.fake, user, 'Default model: demo-pro');
    sendText(h.fake, { fromId: user, text: '/imagine a windmill' });
    await h.fake.waitForCall('sendPhoto', (call) => call.params.chat_id === user, 15_000);
    const [generation] = await h.t.database.prisma.generation.findMany({
      where: { user: { identities: { some: { provider: 'telegram', subject: String(user) } } } },
    });
    expect(generation).toMatchObject({ status: 'succeeded', model: 'demo-pro', cost: 3 });
  });
});
