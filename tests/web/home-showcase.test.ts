import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDemoImage } from '#core/providers/demo/render-demo-image';
import { pageText } from '#tests/web/support/web-client';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

describe('home page: demo pictures with their prompts, and the price of one image', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('shows the featured pictures from our own origin, captioned with their prompts', async () => {
    const page = await h.client().get('/');
    expect(page.status).toBe(200);
    const featured = await h.t.core.showcase.listFeatured();
    expect(featured.length).toBeGreaterThanOrEqual(3);
    for (const picture of featured) {
      expect(picture.imageUrl).toMatch(/^\/showcase\/[a-z]+\.png$/);
      expect(page.text).toContain(`src="${picture.imageUrl}"`);
      expect(page.text).toMatch(new RegExp(`<figcaption>${picture.prompt}</figcaption>`));
    }
  });

  it('serves each picture as the demo provider draws it, with cache headers; an unknown one is 404', async () => {
    const [first] = await h.t.core.showcase.listFeatured();
    const response = await h.client().get(first?.imageUrl ?? '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(response.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    const expected = renderDemoImage({ prompt: first?.prompt ?? '', aspectRatio: '1:1', longEdge: 512 });
    expect(response.body.equals(expected.bytes)).toBe(true);
    // What a browser sends to revalidate (fetch would otherwise add `Cache-Control: no-cache`).
    const again = await h
      .client({ 'if-none-match': response.headers.get('etag') ?? '', 'cache-control': 'max-age=0' })
      .get(first?.imageUrl ?? '');
    expect(again.status).toBe(304);
    expect((await h.client().get('/showcase/nothing.png')).status).toBe(404);
    expect((await h.client().get('/showcase/constructor.png')).status).toBe(404);
  });

  it('draws each picture once per process, on first request', async () => {
    const [first] = await h.t.core.showcase.listFeatured();
    const slug = /\/showcase\/(\w+)\.png$/.exec(first?.imageUrl ?? '')?.[1] ?? '';
    expect(h.t.core.showcase.openPicture(slug)).toBe(h.t.core.showcase.openPicture(slug));
  });

  it('states the price of one image in credits, as chat charges it, and in money from the cheapest pack', async () => {
    const text = pageText((await h.client().get('/')).text);
    expect(h.t.core.showcase.imagePrice()).toEqual({
      credits: 1,
      money: { amountMinor: 9.98, currency: 'usd', packCredits: 50, packAmount: 499 },
    });
    expect(text).toContain('Credits per image: 1 (about $0.10)');
    expect(text).toContain('Cheapest pack: $4.99 for 50 credits');
    const zh = pageText((await h.client({ 'accept-language': 'zh-CN' }).get('/')).text);
    expect(zh).toContain('每张图片所需积分：1（约 US$0.10）');
    expect(zh).toContain('最便宜的积分包：US$4.99，含 50 积分');
  });
});
