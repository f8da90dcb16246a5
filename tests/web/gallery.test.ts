import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translate } from '#core';
import { renderText } from '#tests/support/chat-driver';
import { chatUserWithImage, linkBothSides } from '#tests/web/support/chat-helpers';
import { insertCreation } from '#tests/web/support/creations';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

const PASSWORD = 'a long password';
const DAY_MS = 24 * 60 * 60_000;

describe('web gallery', () => {
  let h: WebHarness;
  let counter = 0;
  beforeAll(async () => {
    h = await startWebHarness({ startWorker: true });
  });
  afterAll(async () => {
    await h.close();
  });

  const prisma = () => h.t.database.prisma;

  async function webUser(): Promise<{ client: WebClient; userId: string }> {
    counter += 1;
    const email = `gallery${counter}@example.com`;
    const client = h.client();
    await client.get('/register');
    await client.post('/register', {
      email,
      password: PASSWORD,
      displayName: `G ${counter}`,
      age: 'yes',
      terms: 'yes',
    });
    return { client, userId: (await prisma().user.findUniqueOrThrow({ where: { email } })).id };
  }

  it('stores a smaller thumbnail beside each new image, shows it in the grid with prompt, model, date and cost', async () => {
    const { chat, generationId } = await chatUserWithImage(h.t, '8101', 'a lighthouse in fog --seed 42');
    const user = await webUser();
    expect(renderText((await linkBothSides(h.t, chat, user.client))[0])).toContain('Linked');

    const output = await prisma().mediaAsset.findFirstOrThrow({ where: { generationId, role: 'output' } });
    const thumbnail = await prisma().mediaAsset.findFirstOrThrow({ where: { thumbnailOfId: output.id } });
    expect(thumbnail).toMatchObject({ role: 'thumbnail', mime: 'image/webp', userId: output.userId, generationId });
    expect(thumbnail.createdAt.getTime()).toBe(output.createdAt.getTime());
    expect(thumbnail.bytes).toBeLessThan(output.bytes);
    expect(Math.max(thumbnail.width ?? 0, thumbnail.height ?? 0)).toBeLessThanOrEqual(384);
    expect(await h.t.deps.media.exists(thumbnail.storageKey)).toBe(true);

    const page = await user.client.get('/gallery');
    expect(page.status).toBe(200);
    const text = pageText(page.text);
    expect(text).toContain('a lighthouse in fog');
    expect(text).toMatch(/Demo pictures · .+ · cost: 1/);
    expect(page.text).toContain(`src="/gallery/thumb/${output.id}"`);
    const served = await user.client.get(`/gallery/thumb/${output.id}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/webp');
    expect(served.body.length).toBe(thumbnail.bytes);

    const detail = await user.client.get(`/gallery/${generationId}`);
    expect(detail.status).toBe(200);
    const detailText = pageText(detail.text);
    expect(detailText).toMatch(/Seed\s+42/);
    expect(detailText).toMatch(/Quality\s+Standard/);
    expect(detailText).toMatch(/Aspect ratio\s+1:1/);
    expect(detail.text).toContain(`href="/create?again=${generationId}"`);
    expect(detail.text).toContain(`href="/create?vary=${generationId}&amp;image=1"`);
    const download = await user.client.get(`/gallery/media/${output.id}/download`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="creation-[0-9a-f-]+\.png"$/);
    expect(createHash('sha256').update(download.body).digest('hex')).toBe(output.sha256);

    const account = await user.client.get('/account');
    expect(account.text).toContain('href="/gallery"');
    expect(account.text).toContain(`href="/gallery/${generationId}"`);
  });

  it('makes the thumbnail of an older image on first view, once', async () => {
    const user = await webUser();
    const { assetIds } = await insertCreation(h.t, { userId: user.userId, prompt: 'an old picture' });
    const assetId = assetIds[0] ?? '';
    expect(await prisma().mediaAsset.count({ where: { thumbnailOfId: assetId } })).toBe(0);
    const [first, second] = await Promise.all([
      user.client.get(`/gallery/thumb/${assetId}`),
      user.client.get(`/gallery/thumb/${assetId}`),
    ]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const rows = await prisma().mediaAsset.findMany({ where: { thumbnailOfId: assetId } });
    expect(rows).toHaveLength(1);
    const original = await prisma().mediaAsset.findUniqueOrThrow({ where: { id: assetId } });
    expect(rows[0]?.bytes).toBeLessThan(original.bytes);
    expect(first.body.length).toBe(rows[0]?.bytes);
  });

  it('pages newest first and filters by kind and source; expired files show a placeholder', async () => {
    const user = await webUser();
    const start = h.t.clock.now().getTime() - 40 * 60_000;
    const platforms = ['telegram', 'discord', 'web'] as const;
    for (let index = 0; index < 30; index += 1) {
      await insertCreation(h.t, {
        userId: user.userId,
        kind: index % 5 === 0 ? 'video' : 'image',
        platform: platforms[index % 3],
        prompt: `creation number ${index}`,
        createdAt: new Date(start + index * 60_000),
        files: index === 1 ? 0 : 1,
      });
    }
    const numbers = (page: string) =>
      [...pageText(page).matchAll(/creation number (\d+)/g)].map((match) => Number(match[1]));

    const first = await user.client.get('/gallery');
    expect(numbers(first.text)).toEqual(Array.from({ length: 24 }, (_, index) => 29 - index));
    expect(first.text).toContain('href="/gallery?page=2"');
    const second = await user.client.get('/gallery?page=2');
    expect(numbers(second.text)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(second.text).not.toContain('rel="next"');
    expect(pageText(second.text)).toContain('The files were deleted after 90 days');
    expect(second.text).toContain('<video src="/account/media/');
    expect(second.text).toContain('preload="metadata"');

    const videos = await user.client.get('/gallery?kind=video');
    expect(numbers(videos.text)).toEqual([25, 20, 15, 10, 5, 0]);
    const discord = await user.client.get('/gallery?source=discord');
    expect(numbers(discord.text)).toEqual([28, 25, 22, 19, 16, 13, 10, 7, 4, 1]);
    const webImages = await user.client.get('/gallery?kind=image&source=web');
    expect(numbers(webImages.text)).toEqual([29, 26, 23, 17, 14, 11, 8, 2]);
    expect((await user.client.get('/gallery?source=web&page=2')).text).toContain('No creations match these filters.');
    expect((await user.client.get('/gallery?kind=bogus&source=%3Cx%3E')).status).toBe(200);
  });

  it('shows a creation only to its owner: anyone else gets 404 and changes nothing', async () => {
    const owner = await webUser();
    const other = await webUser();
    const { generationId, assetIds } = await insertCreation(h.t, { userId: owner.userId, prompt: 'mine alone' });
    const assetId = assetIds[0] ?? '';
    await other.client.get('/gallery');
    expect((await other.client.get(`/gallery/${generationId}`)).status).toBe(404);
    expect((await other.client.get(`/gallery/thumb/${assetId}`)).status).toBe(404);
    expect((await other.client.get(`/gallery/media/${assetId}/download`)).status).toBe(404);
    expect((await other.client.post(`/gallery/${generationId}/share`, { published: 'yes' })).status).toBe(404);
    expect((await other.client.post(`/gallery/${generationId}/delete`, { confirmed: 'yes' })).status).toBe(404);
    expect(pageText((await other.client.get('/gallery')).text)).not.toContain('mine alone');
    const row = await prisma().generation.findUniqueOrThrow({ where: { id: generationId } });
    expect(row).toMatchObject({ prompt: 'mine alone', deletedAt: null, publishedAt: null });
    expect(
      await h.t.deps.media.exists((await prisma().mediaAsset.findUniqueOrThrow({ where: { id: assetId } })).storageKey),
    ).toBe(true);

    const signedOut = h.client();
    const redirect = await signedOut.get(`/gallery/${generationId}`);
    expect(redirect.status).toBe(303);
    expect(redirect.location).toBe(`/login?next=${encodeURIComponent(`/gallery/${generationId}`)}`);
  });

  it('deletes a creation after confirmation: files and thumbnail gone, prompt blanked, ledger kept, page down', async () => {
    const { chat, generationId } = await chatUserWithImage(h.t, '8102', 'a secret garden');
    const user = await webUser();
    await linkBothSides(h.t, chat, user.client);
    const media = await prisma().mediaAsset.findMany({ where: { generationId } });
    expect(media.map((asset) => asset.role).sort()).toEqual(['output', 'thumbnail']);
    const ledgerBefore = await prisma().creditLedgerEntry.findMany({ where: { generationId }, orderBy: { id: 'asc' } });
    expect(ledgerBefore.length).toBeGreaterThan(0);

    await user.client.get(`/gallery/${generationId}`);
    await user.client.post(`/gallery/${generationId}/share`, { published: 'yes', showPrompt: 'yes' });
    const { shareSlug } = await prisma().generation.findUniqueOrThrow({ where: { id: generationId } });
    expect((await h.client().get(`/s/${shareSlug}`)).status).toBe(200);

    const ask = await user.client.post(`/gallery/${generationId}/delete`);
    expect(ask.status).toBe(200);
    expect(pageText(ask.text)).toContain('Delete this creation?');
    expect(await prisma().mediaAsset.count({ where: { generationId } })).toBe(2);

    const done = await user.client.post(`/gallery/${generationId}/delete`, { confirmed: 'yes' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/gallery?deleted=1');
    const after = await user.client.follow(done);
    expect(pageText(after.text)).toContain('Deleted: its files, prompt and options are gone');
    expect(pageText(after.text)).not.toContain('a secret garden');

    for (const asset of media) expect(await h.t.deps.media.exists(asset.storageKey)).toBe(false);
    expect(await prisma().mediaAsset.count({ where: { generationId } })).toBe(0);
    expect(
      await prisma().mediaErasure.count({ where: { storageKey: { in: media.map((asset) => asset.storageKey) } } }),
    ).toBe(0);
    const row = await prisma().generation.findUniqueOrThrow({ where: { id: generationId } });
    expect(row).toMatchObject({ prompt: null, templateId: null, options: {}, publishedAt: null, shareSlug: null });
    expect(row.deletedAt).not.toBeNull();
    expect(row.cost).toBeGreaterThan(0);
    expect(await prisma().creditLedgerEntry.findMany({ where: { generationId }, orderBy: { id: 'asc' } })).toEqual(
      ledgerBefore,
    );
    expect((await h.client().get(`/s/${shareSlug}`)).status).toBe(404);
    expect((await user.client.get(`/gallery/${generationId}`)).status).toBe(404);
    expect((await user.client.post(`/gallery/${generationId}/delete`, { confirmed: 'yes' })).status).toBe(404);
    // The chat's old buttons on that result make nothing and say so.
    const jobsBefore = await prisma().generation.count({ where: { userId: row.userId } });
    for (const action of ['reroll', 'vary', 'resend'] as const)
      expect(renderText((await chat.press(action, generationId))[0])).toBe(translate('en', 'errors.job_not_found'));
    expect(await prisma().generation.count({ where: { userId: row.userId } })).toBe(jobsBefore);
  });

  it('retention removes thumbnails with their originals and the gallery shows the placeholder', async () => {
    const user = await webUser();
    const { generationId, assetIds } = await insertCreation(h.t, {
      userId: user.userId,
      prompt: 'an aging picture',
      createdAt: new Date(h.t.clock.now().getTime() - 91 * DAY_MS),
    });
    expect((await user.client.get(`/gallery/thumb/${assetIds[0]}`)).status).toBe(200);
    const files = await prisma().mediaAsset.findMany({ where: { generationId } });
    expect(files).toHaveLength(2);
    await h.t.core.retention.run();
    for (const file of files) expect(await h.t.deps.media.exists(file.storageKey)).toBe(false);
    expect(await prisma().mediaAsset.count({ where: { generationId } })).toBe(0);
    const detail = await user.client.get(`/gallery/${generationId}`);
    expect(detail.status).toBe(200);
    expect(pageText(detail.text)).toContain('The files were deleted after 90 days');
    expect(detail.text).not.toContain('<img src="/account/media/');
  });
});
