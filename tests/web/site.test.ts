import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LEGAL_DIR } from '#web/routes/site-routes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMS_VERSION } from '#core';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText } from '#tests/web/support/web-client';

describe('site pages: legal documents, languages, security headers, errors', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({
      env: { RETENTION_PROMPT_DAYS: '45', RETENTION_LOGIN_DAYS: '21', SUPPORT_EMAIL: 'help@imagine.test' },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('renders the privacy policy from its markdown file with the configured retention, contact and version', async () => {
    const page = await h.client().get('/privacy');
    expect(page.status).toBe(200);
    const text = pageText(page.text);
    expect(text).toContain('45 days after a creation');
    expect(text).toContain('21 days after a sign-in');
    expect(text).toContain(`Version ${TERMS_VERSION}`);
    expect(page.text).toContain('href="mailto:help@imagine.test"');
    for (const point of [
      'Stripe',
      'Google',
      'OpenRouter',
      'OpenAI',
      'Email delivery',
      'scrypt',
      'HTTPS',
      'under 13',
      'supervisory authority',
    ])
      expect(text).toContain(point);
    for (const route of ['/account/privacy', '/account/settings', '/privacy/request'])
      expect(page.text).toContain(`href="${route}"`);
    expect(text).not.toContain('{{');
  });

  it('says in both languages which marks outlive erasure, why and for how long', async () => {
    const en = pageText((await h.client().get('/privacy')).text);
    for (const point of [
      'keyed hash',
      'cannot be read back',
      'stays after you delete yours',
      'prevent fraud',
      'kept for 3 years from the free credits',
      'kept until the suspension ends',
    ])
      expect(en).toContain(point);
    const zh = pageText((await h.client({ 'accept-language': 'zh-CN' }).get('/privacy')).text);
    for (const point of [
      '带密钥哈希值',
      '无法从中还原',
      '注销账号后仍会保留',
      '防止欺诈',
      '保存 3 年',
      '保存到封禁结束',
    ])
      expect(zh).toContain(point);
  });

  it('renders the terms with the age, credits, liability and contact', async () => {
    const text = pageText((await h.client().get('/terms')).text);
    for (const point of [
      'at least 13 years old',
      '10 free credits',
      'valid for 365 days',
      '12 months',
      'Customer support',
      'help@imagine.test',
      'not refundable',
    ])
      expect(text).toContain(point);
  });

  it('speaks Chinese to a zh browser, switches language by cookie, and links the legal pages from every page footer', async () => {
    const zh = h.client({ 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' });
    const privacy = await zh.get('/privacy');
    expect(privacy.text).toContain('<html lang="zh-CN">');
    expect(pageText(privacy.text)).toContain('我们如何处理你的数据');
    expect(pageText(privacy.text)).toContain('45 天');
    const english = await zh.get('/lang/en?next=/terms');
    expect(english.status).toBe(303);
    expect(english.location).toBe('/terms');
    const terms = await zh.get('/terms');
    expect(terms.text).toContain('<html lang="en">');
    expect(pageText(terms.text)).toContain('Terms of service');
    expect((await zh.get('/lang/en?next=https://evil.example')).location).toBe('/');
    for (const path of ['/', '/pricing', '/login', '/register', '/forgot-password', '/privacy/request', '/terms']) {
      const page = await h.client().get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).toContain('href="/privacy"');
      expect(page.text, path).toContain('href="/terms"');
    }
  });

  it('picks any of the eight languages from Accept-Language and offers each by its own name', async () => {
    const cases: [string, string][] = [
      ['ru-RU,ru;q=0.9,en;q=0.5', 'ru'],
      ['es-419', 'es'],
      ['pt-PT,pt;q=0.9', 'pt-BR'],
      ['zh-TW', 'zh-TW'],
      ['zh-HK,zh;q=0.8', 'zh-TW'],
      ['zh-Hans-SG', 'zh-CN'],
      ['fr-FR,ja;q=0.5', 'ja'],
      ['id-ID', 'id'],
      ['fr-FR,de;q=0.5', 'en'],
      ['de-DE,ja;q=0.8,en;q=0.9', 'en'],
      ['ru;q=0,es;q=0.1', 'es'],
    ];
    for (const [header, locale] of cases) {
      expect((await h.client({ 'accept-language': header }).get('/')).text, header).toContain(
        `<html lang="${locale}">`,
      );
    }
    const home = (await h.client().get('/')).text;
    for (const [code, name] of [
      ['zh-CN', '简体中文'],
      ['ru', 'Русский'],
      ['es', 'Español'],
      ['pt-BR', 'Português (Brasil)'],
      ['zh-TW', '繁體中文'],
      ['ja', '日本語'],
      ['id', 'Bahasa Indonesia'],
    ])
      expect(home).toContain(`<a href="/lang/${code}?next=%2F" lang="${code}" hreflang="${code}">${name}</a>`);
    const japanese = h.client();
    expect((await japanese.get('/lang/ja?next=/')).status).toBe(303);
    expect((await japanese.get('/')).text).toContain('<html lang="ja">');
  });

  it('shows the English legal text to other languages with a note that English and Chinese are binding', async () => {
    const ru = pageText((await h.client({ 'accept-language': 'ru' }).get('/privacy')).text);
    expect(ru).toContain('45 days after a creation');
    expect(ru).toContain('Эта страница показана на английском языке');
    const tw = pageText((await h.client({ 'accept-language': 'zh-TW' }).get('/terms')).text);
    expect(tw).toContain('服务条款');
    expect(tw).toContain('本頁以簡體中文顯示');
    const en = pageText((await h.client().get('/privacy')).text);
    expect(en).not.toContain('binding');
  });

  it('reads the legal files at each request, so an operator edit shows at once, and never lets raw HTML through', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-legal-'));
    await fs.cp(LEGAL_DIR, dir, { recursive: true });
    const edited = await startWebHarness({ legalDir: dir });
    try {
      const file = path.join(dir, 'terms.en.md');
      expect(pageText((await edited.client().get('/terms')).text)).not.toContain('Edited by the operator');
      await fs.appendFile(
        file,
        '\n\nEdited by the operator <script>alert(1)</script> [bad](javascript:alert(1)) [ok](/pricing) **bold**\n',
      );
      const page = await edited.client().get('/terms');
      expect(page.text).toContain('Edited by the operator &lt;script&gt;');
      expect(page.text).not.toContain('<script>');
      expect(page.text).not.toContain('javascript:');
      expect(page.text).toContain('<a href="/pricing">ok</a>');
      expect(page.text).toContain('<strong>bold</strong>');
    } finally {
      await edited.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('sends a CSP that allows only this site, no framing, and an httpOnly SameSite=Lax session cookie', async () => {
    const page = await h.client().get('/login');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const cookie = page.headers.getSetCookie().find((line) => line.startsWith('sid='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const css = await h.client().get('/assets/site.css');
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  it('keeps health and signed media working and answers unknown paths with a localized 404', async () => {
    expect((await h.client().get('/healthz')).status).toBe(200);
    expect((await h.client().get('/media/00000000-0000-0000-0000-000000000000?exp=1&sig=x')).status).toBe(404);
    const missing = await h.client({ 'accept-language': 'zh' }).get('/no-such-page');
    expect(missing.status).toBe(404);
    expect(pageText(missing.text)).toContain('页面不存在');
  });
});

describe('production cookies', () => {
  it('uses a Secure __Host- session cookie in production', async () => {
    const h = await startWebHarness({ env: { NODE_ENV: 'production', METRICS_TOKEN: 'a-scrape-token' } });
    try {
      const page = await h.client().get('/login');
      const cookie = page.headers.getSetCookie().find((line) => line.startsWith('__Host-sid='));
      expect(cookie).toMatch(/Secure/);
      expect(cookie).toMatch(/Path=\//);
      expect(page.headers.get('strict-transport-security')).toContain('max-age=31536000');
    } finally {
      await h.close();
    }
  });
});
