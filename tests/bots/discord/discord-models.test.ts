import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordHarness, type DiscordUser } from '#tests/bots/discord/discord-harness';
import { writeTestModelsFile } from '#tests/support/test-models-file';

type JsonObject = Record<string, unknown>;

describe('Discord: models from the models file', () => {
  let h: DiscordHarness;

  beforeAll(async () => {
    h = await DiscordHarness.start({ env: { MODELS_FILE: await writeTestModelsFile() } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('/models answers privately with the offered models, prices and times, not the unconfigured one', async () => {
    const user: DiscordUser = { id: '300000000000000101' };
    await h.onboard(user);
    const models = h.command(user, 'models');
    expect(await h.acknowledgement(models)).toEqual({ type: 5, isEphemeral: true });
    const answer = await h.originalEdit(models);
    const content = String((answer.json as JsonObject).content);
    expect(content).toContain('• Demo Pro: --model demo-pro\n  Credits per image: 3; no HD');
    expect(content).toContain('• Demo video: --model demo (used when you name none)');
    expect(content).toContain('no data yet');
    expect(content).not.toContain('gpt-image-1');
  });

  it('autocompletes the model of /imagine and /video with the offered models of that kind and their price', async () => {
    const image = h.fake.sendInteraction(
      h.fake.autocompleteInteraction({
        name: 'imagine',
        focusedOption: 'model',
        value: 'de',
        userId: '300000000000000102',
        guildId: '400000000000000001',
        options: { prompt: 'a fox' },
      }),
    );
    expect((await h.callback(image)).json).toEqual({
      type: 8,
      data: {
        choices: [
          { name: 'Demo · 1 per image · HD ×2', value: 'demo' },
          { name: 'Demo Pro · 3 per image · no HD', value: 'demo-pro' },
        ],
      },
    });
    const video = h.fake.sendInteraction(
      h.fake.autocompleteInteraction({
        name: 'video',
        focusedOption: 'model',
        value: '',
        userId: '300000000000000102',
        locale: 'zh-CN',
      }),
    );
    expect((await h.callback(video)).json).toEqual({
      type: 8,
      data: { choices: [{ name: 'Demo video · 视频每秒 2 · 不支持高清', value: 'demo' }] },
    });
    const none = h.fake.sendInteraction(
      h.fake.autocompleteInteraction({ name: 'imagine', focusedOption: 'model', value: 'gpt', userId: '3000000001' }),
    );
    expect((await h.callback(none)).json).toEqual({ type: 8, data: { choices: [] } });
  });

  it('/imagine with the model option uses that model and charges its price', async () => {
    const user: DiscordUser = { id: '300000000000000103' };
    await h.onboard(user);
    const imagine = h.command(user, 'imagine', { prompt: 'a lighthouse', model: 'demo-pro' });
    await h.originalEdit(imagine, (r) => r.files.length > 0);
    const [generation] = await h.t.database.prisma.generation.findMany({
      where: { user: { identities: { some: { provider: 'discord', subject: user.id } } } },
    });
    expect(generation).toMatchObject({ status: 'succeeded', model: 'demo-pro', cost: 3 });
  });
});
