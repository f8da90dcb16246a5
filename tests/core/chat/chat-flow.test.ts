import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import type { ImageProvider, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { getBalance } from '#core/credits/get-balance';
import { CATALOG } from '#core/catalog/catalog';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';

/** A provider port implementation that fails the way a real one does, for the failure paths. */
function failingProvider(name: string, kind: 'transient' | 'refused'): ImageProvider {
  return {
    name,
    capabilities: { models: [`${name}-model`], canEdit: false, maxCount: 4 },
    async generateImages(): Promise<MediaFile[]> {
      throw new ProviderError(name, kind, kind === 'refused' ? 'safety system refused' : 'upstream 500', {
        status: kind === 'refused' ? 400 : 500,
      });
    },
  };
}

for (const database of ['postgres', 'pglite'] as const) {
  describe(`chat flow on ${database}`, () => {
    let t: TestCore;

    beforeAll(async () => {
      t = await createTestCore({
        database,
        providers: {
          image: [
            createDemoImageProvider(),
            failingProvider('broken', 'transient'),
            failingProvider('strict', 'refused'),
          ],
          video: [createDemoVideoProvider({ pollsBeforeDone: 1 })],
        },
        // The broken provider is tried twice, then skipped past any deadline: its job is refunded at once.
        env: { PROVIDER_RETRY_BASE_MS: '50', PROVIDER_BREAKER_FAILURES: '2', PROVIDER_BREAKER_OPEN_SECONDS: '3600' },
      });
    });
    afterAll(async () => {
      await t.close();
    });

    async function userIdOf(platformUserId: string): Promise<string> {
      const identity = await t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: platformUserId } },
      });
      return identity.userId;
    }

    async function balanceOf(platformUserId: string): Promise<number> {
      return (await getBalance(t.database.prisma, await userIdOf(platformUserId), t.clock.now())).available;
    }

    it('takes a new user from the terms to a delivered picture, charging once', async () => {
      const user = new ChatUser(t, '1001');
      const beforeTerms = await user.command('imagine', 'a fox in the snow');
      expect(renderText(beforeTerms[0])).toContain('Before your first creation');
      // The prompt would run once the terms are accepted; /cancel forgets it.
      expect(renderText((await user.command('cancel'))[0])).toBe('OK, cancelled.');
      expect(await t.database.prisma.creditLedgerEntry.count({ where: { userId: await userIdOf('1001') } })).toBe(0);

      await user.onboard();
      expect(await balanceOf('1001')).toBe(10);

      const replies = await user.command('imagine', 'a fox in the snow --ar 16:9');
      expect(replies[0]?.type).toBe('status');
      expect(renderText(replies[0])).toMatch(/Queued \(1 credit reserved\)/);
      const generationId = replies[0]?.type === 'status' ? replies[0].generationId : '';
      const delivered = await t.notifier.waitFor((delivery) =>
        delivery.replies.some((reply) => reply.type === 'media' && reply.generationId === generationId),
      );
      const media = delivered.replies.find((reply) => reply.type === 'media');
      if (media?.type !== 'media') throw new Error('no media');
      const bytes = await media.items[0]!.load();
      const png = PNG.sync.read(bytes);
      expect([png.width, png.height]).toEqual([768, 432]);
      expect(renderText(media)).toContain('demo provider');
      expect(media.items[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:3999\/media\/[0-9a-f-]{36}\?exp=\d+&sig=/);
      expect(await balanceOf('1001')).toBe(9);
      const balance = renderText((await user.command('balance'))[0]);
      expect(balance).toContain('Balance: 9 credits.');
      expect(balance).toMatch(/-1 {2}used for a creation\n.*\+10 {2}credits added/);
      const generation = await t.database.prisma.generation.findUniqueOrThrow({
        where: { id: generationId },
        include: { media: true },
      });
      expect(generation.status).toBe('succeeded');
      expect(generation.media[0]?.bytes).toBe(bytes.length);
    });

    it('returns the credits when the provider fails, and says so', async () => {
      const user = new ChatUser(t, '1002');
      await user.onboard();
      const replies = await user.command('imagine', 'a lighthouse --model broken-model --n 2');
      const generationId = replies[0]?.type === 'status' ? replies[0].generationId : '';
      expect(await balanceOf('1002')).toBe(8);
      const failed = await t.notifier.waitFor((delivery) =>
        delivery.replies.some(
          (reply) => reply.type === 'status' && reply.generationId === generationId && reply.text.key === 'job.failed',
        ),
      );
      expect(renderText(failed.replies[0])).toBe(
        'Sorry, that did not work (the image service is unavailable). Your 2 credits were returned.',
      );
      expect(await balanceOf('1002')).toBe(10);
      const ledger = await t.database.prisma.creditLedgerEntry.findMany({
        where: { userId: await userIdOf('1002') },
        orderBy: { id: 'asc' },
      });
      expect(ledger.map((entry) => [entry.kind, entry.delta])).toEqual([
        ['grant', 10],
        ['reserve', -2],
        ['release', 2],
      ]);
    });

    it('blocks a provider refusal with a full refund, and explains a locally blocked prompt without charging', async () => {
      const user = new ChatUser(t, '1003');
      await user.onboard();
      const refused = await user.command('imagine', 'a portrait --model strict-model');
      const generationId = refused[0]?.type === 'status' ? refused[0].generationId : '';
      const blocked = await t.notifier.waitFor((delivery) =>
        delivery.replies.some(
          (reply) => reply.type === 'status' && reply.generationId === generationId && reply.text.key === 'job.blocked',
        ),
      );
      expect(renderText(blocked.replies[0])).toContain(
        "refused this prompt as the provider's safety rules. Your 1 credit was returned",
      );
      expect(await balanceOf('1003')).toBe(10);
      expect((await t.database.prisma.generation.findUniqueOrThrow({ where: { id: generationId } })).status).toBe(
        'blocked',
      );

      const ledgerBefore = await t.database.prisma.creditLedgerEntry.count();
      // Past the free plan's spacing, so moderation (not "too fast") is what answers.
      t.clock.advance(CATALOG.freeLimits.minSpacingMs);
      const local = await user.command('imagine', 'n.u.d.e beach party');
      expect(renderText(local[0])).toBe(
        'This prompt was blocked as sexual content; no credits were taken. Your account is not affected for now: this is block 2 of 3 within 24 hours, and at 3 creating is paused for 24 hours. If you think this is a mistake, write to imagen2026@163.com.',
      );
      expect(await t.database.prisma.creditLedgerEntry.count()).toBe(ledgerBefore);
      const events = await t.database.prisma.moderationEvent.findMany({
        where: { userId: await userIdOf('1003'), verdict: 'blocked' },
      });
      expect(events.map((event) => event.stage).sort()).toEqual(['local', 'provider:strict']);

      const history = await user.command('history');
      const text = renderText(history[0]);
      expect(text).toContain('blocked');
      expect(text).toContain('a portrait');
    });

    it('speaks Chinese to a zh user end to end', async () => {
      const user = new ChatUser(t, '1004', 'zh-CN');
      const start = await user.command('start');
      expect(renderText(start[0], 'zh-CN')).toMatch(/[\u4e00-\u9fff]/);
      await user.onboard();
      const blocked = await user.command('imagine', '色 情 图片');
      expect(renderText(blocked[0], 'zh-CN')).toContain('imagen2026@163.com');
      expect(renderText(blocked[0], 'zh-CN')).toMatch(/[\u4e00-\u9fff]/);
      const balance = await user.command('balance');
      expect(renderText(balance[0], 'zh-CN')).toContain('10');
    });

    it('answers every bad input clearly and leaves the ledger unchanged', async () => {
      const user = new ChatUser(t, '1005');
      await user.onboard();
      const userId = await userIdOf('1005');
      const ledger = async () => (await t.database.prisma.creditLedgerEntry.findMany({ where: { userId } })).length;
      const before = await ledger();
      const cases: [string, string][] = [
        ['   ', 'Tell me what to create'],
        ['x'.repeat(1001), 'Your prompt is 1,001 characters; the limit is 1,000.'],
        ['a cat --zoom 2', 'Unknown option --zoom.'],
        ['a cat --ar 5:1', 'Option --ar cannot be 5:1. Allowed: 1:1, 16:9'],
        ['a cat --n 9', 'Option --n cannot be 9. Allowed: 1-4.'],
        ['a cat --template nope', 'There is no template "nope". See /templates.'],
        ['a cat --model imaginary', 'There is no model "imaginary" for this command. See /models.'],
        ['\u0000\u0007\u200b', 'Please write a prompt'],
      ];
      for (const [args, expected] of cases) {
        const replies = await user.command('imagine', args);
        expect(renderText(replies[0]), args).toContain(expected);
      }
      const broke = await user.command('video', 'waves on a beach --seconds 8');
      expect(renderText(broke[0])).toBe('This costs 16 credits and you have 10. Buy more with /buy.');
      expect(await t.database.prisma.generation.count({ where: { userId } })).toBe(0);
      await t.database.prisma.user.update({
        where: { id: userId },
        data: {
          status: 'suspended',
          suspendedReason: 'repeated_blocked_prompts',
          suspendedUntil: new Date(t.clock.now().getTime() + 3_600_000),
        },
      });
      const suspended = await user.command('imagine', 'a cat');
      expect(renderText(suspended[0])).toMatch(
        /Creating is paused on your account until .* UTC: several prompts were blocked within a short time\. Your credits and creations stay on your account\. To appeal, send \/appeal/,
      );
      expect(await ledger()).toBe(before);
      expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
    });
  });
}

describe('personal data in shared chats', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses /link, /mydata and /deleteme in a group without private replies, and serves them in private', async () => {
    const inGroup = new ChatUser(t, '2001', 'en', 'telegram', '-100777');
    for (const name of ['link', 'mydata', 'deleteme'] as const) {
      expect(renderText((await inGroup.command(name))[0]), name).toBe(
        'This shows personal data, so please use it in a private chat with me.',
      );
    }
    expect(await t.database.prisma.oneTimeToken.count()).toBe(0);
    expect(await t.database.prisma.dataSubjectRequest.count()).toBe(0);
    const inPrivate = new ChatUser(t, '2001');
    expect(renderText((await inPrivate.command('link'))[0])).toMatch(
      /^Open this link within 10 minutes .* http:\/\/127\.0\.0\.1:3999\/link\/[\w-]{20,}$/,
    );
    const exported = await inPrivate.command('mydata');
    expect(exported[0]?.type).toBe('document');
  });
});
