import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText } from '#tests/web/support/web-client';
import { writeTestModelsFile } from '#tests/support/test-models-file';

describe('pricing page: prices per model', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ env: { MODELS_FILE: await writeTestModelsFile() } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('lists every offered model with its price and HD, and hides the model of an unconfigured provider', async () => {
    const page = await h.client().get('/pricing');
    expect(page.status).toBe(200);
    const table = /<table data-testid="models">[\s\S]*?<\/table>/.exec(page.text)?.[0] ?? '';
    expect(pageText(table)).toContain('Demo demo 1 per image HD ×2');
    expect(pageText(table)).toContain('Demo Pro demo-pro 3 per image no HD');
    expect(pageText(table)).toContain('Demo video demo 2 per second of video no HD');
    expect(page.text).not.toContain('gpt-image-1');
    const zh = pageText((await h.client({ 'accept-language': 'zh-CN' }).get('/pricing')).text);
    expect(zh).toContain('各模型价格');
    expect(zh).toContain('Demo Pro demo-pro 每张图片 3 不支持高清');
  });
});
