import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputAttachment } from '#core';
import { CATALOG } from '#core/catalog/catalog';
import { makePng } from '#tests/fakes/test-png';
import { admit, balanceOf, ledgerOf, userIdOf, waitForMedia } from '#tests/core/generation/generation-helpers';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { writeTestModelsFile } from '#tests/support/test-models-file';
import { MODEL_TIMES_CACHE_MS, measureModelTimesCached } from '#core/models/measure-model-times';

const PHOTO = makePng(40, 30, [200, 30, 30, 255]);
const photo: InputAttachment = { mime: 'image/png', sizeBytes: PHOTO.length, ref: 'p', fetch: async () => PHOTO };

describe('models from the models file in chat', () => {
  let t: TestCore;
  let next = 9100;
  const newUser = async () => {
    next += 1;
    const user = new ChatUser(t, String(next));
    await user.onboard();
    return user;
  };
  const generationsOf = async (user: ChatUser) =>
    t.database.prisma.generation.findMany({
      where: { userId: await userIdOf(t.database.prisma, user.platformUserId) },
      orderBy: { createdAt: 'asc' },
    });

  beforeAll(async () => {
    t = await createTestCore({ env: { MODELS_FILE: await writeTestModelsFile() } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('/models lists the offered models with price and "no data yet", hiding the unconfigured provider', async () => {
    const user = await newUser();
    expect(renderText((await user.command('models'))[0])).toBe(
      [
        'Models (pick one with --model id, or a default in /settings):',
        'Images',
        '• Demo: --model demo (used when you name none)',
        '  Credits per image: 1; HD ×2',
        '  Median time in the last 24 h: no data yet',
        '• Demo Pro: --model demo-pro',
        '  Credits per image: 3; no HD',
        '  Median time in the last 24 h: no data yet',
        'Video',
        '• Demo video: --model demo (used when you name none)',
        '  Credits per second: 2; no HD',
        '  Median time in the last 24 h: no data yet',
      ].join('\n'),
    );
    expect(renderText((await user.command('models'))[0], 'zh-CN')).toContain('每张图片积分：3；不支持高清');
  });

  it('honours --model: the model is used, priced from the file, stored on the generation and shown in /history', async () => {
    const user = await newUser();
    const id = await admit(user, 'imagine', 'a red fox --model demo-pro --n 2');
    await waitForMedia(t.notifier, id);
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({ status: 'succeeded', provider: 'demo', model: 'demo-pro', cost: 6 });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -6],
      ['capture', 0],
    ]);
    expect(await balanceOf(t, user.platformUserId)).toBe(4);
    expect(renderText((await user.command('history'))[0])).toContain(' · image · demo-pro · ');
  });

  it('refuses what a model cannot do, clearly and without charging or writing anything', async () => {
    const user = await newUser();
    const cases: [string, 'imagine' | 'video', string, InputAttachment?][] = [
      ['a cat --model nope', 'imagine', 'There is no model "nope" for this command. See /models.'],
      ['a cat --model gpt-image-1', 'imagine', 'The model "gpt-image-1" is not available here. See /models.'],
      ['a cat --model demo-pro --hd', 'imagine', 'The model "demo-pro" has no HD. Nothing was charged.'],
      [
        'a cat --model demo-pro --n 3',
        'imagine',
        'The model "demo-pro" makes at most 2 images per request. Nothing was charged.',
      ],
      [
        'a cat --model demo-pro --ar 9:16',
        'imagine',
        'The model "demo-pro" cannot make 9:16. It makes: 1:1, 16:9. Nothing was charged.',
      ],
      ['waves --seconds 5', 'video', 'The model "demo" cannot make 5 seconds. It makes: 4, 8. Nothing was charged.'],
      ['waves --seconds 4 --hd', 'video', 'The model "demo" has no HD. Nothing was charged.'],
      [
        'make it blue --model demo-pro',
        'imagine',
        'The model "demo-pro" cannot edit a picture. Nothing was charged. See /models.',
        photo,
      ],
      [
        'a cat --model demo-pro --no text',
        'imagine',
        'The model "demo-pro" cannot leave things out (--no). Pick one that can in /models, or drop --no. Nothing was charged.',
      ],
      ['a cat --no', 'imagine', 'Option --no cannot be —. Allowed: 1-500 characters.'],
      [
        'a cat --model demo-pro --seed 42',
        'imagine',
        'The model "demo-pro" cannot repeat a picture from a seed (--seed). Pick one that can in /models, or drop --seed. Nothing was charged.',
      ],
      [
        'waves --seconds 4 --seed 42',
        'video',
        'The model "demo" cannot repeat a picture from a seed (--seed). Pick one that can in /models, or drop --seed. Nothing was charged.',
      ],
      ['a cat --seed 4294967296', 'imagine', 'Option --seed cannot be 4294967296. Allowed: 0-4294967295.'],
    ];
    for (const [args, command, expected, attachment] of cases) {
      const replies = await user.command(command, args, attachment ? { attachments: [attachment] } : {});
      expect(renderText(replies[0]), args).toBe(expected);
    }
    expect(await balanceOf(t, user.platformUserId)).toBe(10);
    expect(await generationsOf(user)).toEqual([]);
  });

  it('Vary of a picture from a model without seeds is a new draw, not a refusal of a seed it never asked for', async () => {
    const user = await newUser();
    const id = await admit(user, 'imagine', 'a red fox --model demo-pro');
    await waitForMedia(t.notifier, id);
    t.clock.advance(5_000);
    const [status] = await user.press('vary', `${id}:1:strong`);
    expect(status?.type, renderText(status)).toBe('status');
    const variation = await t.database.prisma.generation.findUniqueOrThrow({
      where: { id: status?.type === 'status' ? status.generationId : '' },
    });
    // Demo Pro does not edit pictures, so an edit-capable model varies it, with no seed asked for.
    expect(variation).toMatchObject({ parentId: id, options: expect.objectContaining({ operation: 'vary' }) });
    expect(variation.options).not.toHaveProperty('seed');
  });

  it('makes a video of the model’s next longer length when none is asked for and the model has no 5 s', async () => {
    const user = await newUser();
    // 8 s at 2 credits a second: more than the 10 signup credits, so the quote is all that happens.
    expect(renderText((await user.command('video', 'waves on a beach'))[0])).toBe(
      'This costs 16 credits and you have 10. Buy more with /buy.',
    );
    expect(await balanceOf(t, user.platformUserId)).toBe(10);
  });

  it('uses the /settings default model for the next /imagine, and refuses a model not offered', async () => {
    const user = await newUser();
    const settings = await user.command('settings');
    const buttons = settings.flatMap((reply) => (reply.type === 'message' ? (reply.buttons ?? []).flat() : []));
    const pro = buttons.find((button) => button.action?.arg === 'model=demo-pro');
    expect(pro?.label).toEqual({ key: 'settings.model_button', vars: { name: 'Demo Pro' } });
    expect(buttons.some((button) => button.action?.arg.includes('gpt-image-1'))).toBe(false);

    const saved = await user.press('set', 'model=demo-pro');
    expect(renderText(saved[1])).toContain('Default model: demo-pro');
    const first = await admit(user, 'imagine', 'a lighthouse');
    await waitForMedia(t.notifier, first);
    expect(await t.database.prisma.generation.findUniqueOrThrow({ where: { id: first } })).toMatchObject({
      model: 'demo-pro',
      cost: 3,
    });

    expect(renderText((await user.press('set', 'model=gpt-image-1'))[0])).toBe(
      'The model "gpt-image-1" is not available here. See /models.',
    );
    await user.press('set', 'model=auto');
    t.clock.advance(CATALOG.freeLimits.minSpacingMs);
    const second = await admit(user, 'imagine', 'a lighthouse');
    expect(await t.database.prisma.generation.findUniqueOrThrow({ where: { id: second } })).toMatchObject({
      model: 'demo',
      cost: 1,
    });
  });

  it('/models shows the median time of the last 24 hours per model, from succeeded generations only', async () => {
    const user = await newUser();
    const userId = await userIdOf(t.database.prisma, user.platformUserId);
    const now = t.clock.now().getTime();
    const made = (model: string, seconds: number, status: 'succeeded' | 'failed', hoursAgo = 1) => {
      const createdAt = new Date(now - hoursAgo * 3600_000);
      return {
        userId,
        kind: 'video' as const,
        model,
        provider: 'demo',
        status,
        cost: 0,
        createdAt,
        startedAt: createdAt,
        finishedAt: new Date(createdAt.getTime() + seconds * 1000),
      };
    };
    await t.database.prisma.generation.createMany({
      data: [
        made('demo', 2, 'succeeded'),
        made('demo', 4, 'succeeded'),
        made('demo', 30, 'succeeded'),
        made('demo', 500, 'failed'),
        made('demo', 900, 'succeeded', 30),
      ],
    });
    const text = renderText((await user.command('models'))[0]);
    expect(text).toContain(
      '• Demo video: --model demo (used when you name none)\n  Credits per second: 2; no HD\n  Median time in the last 24 h: 4.0 s',
    );
  });

  it('reuses the medians for running jobs for a minute, then measures again', async () => {
    const user = await newUser();
    const userId = await userIdOf(t.database.prisma, user.platformUserId);
    const made = (seconds: number) => {
      const createdAt = new Date(t.clock.now().getTime() - 60_000);
      return {
        userId,
        kind: 'video' as const,
        model: 'cache-probe',
        provider: 'demo',
        status: 'succeeded' as const,
        cost: 0,
        createdAt,
        startedAt: createdAt,
        finishedAt: new Date(createdAt.getTime() + seconds * 1000),
      };
    };
    await t.database.prisma.generation.create({ data: made(10) });
    // Earlier jobs of this file filled the cache: a minute on, it is measured anew.
    t.clock.advance(MODEL_TIMES_CACHE_MS);
    expect((await measureModelTimesCached(t.deps)).get('video/cache-probe')).toBe(10);
    await t.database.prisma.generation.createMany({ data: [made(20), made(30)] });
    // Within the minute: the same figure, no new query.
    expect((await measureModelTimesCached(t.deps)).get('video/cache-probe')).toBe(10);
    t.clock.advance(MODEL_TIMES_CACHE_MS);
    expect((await measureModelTimesCached(t.deps)).get('video/cache-probe')).toBe(20);
  });
});
