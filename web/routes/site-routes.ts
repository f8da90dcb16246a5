import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { BONUS_MARK_RETENTION_YEARS, isLocale, MINIMUM_AGE, TERMS_VERSION, type Locale } from '#core';
import { renderMarkdown } from '#web/html/markdown';
import { SITE_CSS } from '#web/html/site-css';
import { CREATE_SCRIPT } from '#web/html/create-script';
import { setCookie } from '#web/middleware/cookies';
import { LOCALE_COOKIE } from '#web/middleware/locale';
import { safeNext, sendPage, viewOf, type Site } from '#web/routes/route-kit';
import { homePage, legalPage } from '#web/views/site-views';

/** Values the legal documents' `{{placeholders}}` are filled with. */
export type LegalFacts = {
  supportEmail: string;
  publicUrl: string;
  retentionPromptDays: number;
  retentionLoginDays: number;
  signupCredits: number;
  packValidDays: number | null;
};

/** Where the operator-editable legal documents live: `web/legal/<privacy|terms>.<locale>.md`. */
export const LEGAL_DIR = fileURLToPath(new URL('../legal/', import.meta.url));

/** The language a legal document is shown in when it has no file in the reader's: Chinese readers get Chinese. */
const LEGAL_FALLBACK: Partial<Record<Locale, Locale>> = { 'zh-TW': 'zh-CN' };

/** A legal document in the reader's language, else in its fallback, else English; `locale` says which. */
async function readLegal(
  dir: string,
  document: 'privacy' | 'terms',
  locale: Locale,
): Promise<{ source: string; locale: Locale }> {
  const read = (shown: Locale) => fs.readFile(path.join(dir, `${document}.${shown}.md`), 'utf8');
  for (const shown of [locale, LEGAL_FALLBACK[locale]]) {
    if (shown && shown !== 'en') {
      const source = await read(shown).catch(() => undefined);
      if (source !== undefined) return { source, locale: shown };
    }
  }
  return { source: await read('en'), locale: 'en' };
}

/** The home page, the legal pages (read from their files on each request, so edits show at once), the language switch, the stylesheet and the create pages' script. */
export function createSiteRoutes(site: Site, facts: LegalFacts, legalDir: string = LEGAL_DIR): Router {
  const router = Router();
  const vars = {
    supportEmail: facts.supportEmail,
    publicUrl: facts.publicUrl,
    retentionPromptDays: String(facts.retentionPromptDays),
    retentionLoginDays: String(facts.retentionLoginDays),
    signupCredits: String(facts.signupCredits),
    packValidDays: facts.packValidDays === null ? '∞' : String(facts.packValidDays),
    termsVersion: TERMS_VERSION,
    minimumAge: String(MINIMUM_AGE),
    bonusMarkYears: String(BONUS_MARK_RETENTION_YEARS),
  };

  router.get('/', async (request, response) => {
    const featured = await site.core.showcase.listFeatured();
    sendPage(response, 200, homePage(viewOf(site, request), { featured, price: site.core.showcase.imagePrice() }));
  });

  // The home page's demo pictures: drawn once per process, the same bytes for a day.
  router.get('/showcase/:name', (request, response) => {
    const slug = /^([a-z]{1,32})\.png$/.exec(request.params.name)?.[1];
    const picture = slug ? site.core.showcase.openPicture(slug) : undefined;
    if (!picture) {
      response.status(404).type('text/plain').send('not found');
      return;
    }
    response.setHeader('Cache-Control', 'public, max-age=86400');
    response.setHeader('ETag', `"showcase-${slug}-${picture.bytes.length}"`);
    if (request.fresh) {
      response.status(304).end();
      return;
    }
    response.type(picture.mime).send(picture.bytes);
  });

  for (const document of ['privacy', 'terms'] as const) {
    router.get(`/${document}`, async (request, response) => {
      const view = viewOf(site, request);
      const { source, locale } = await readLegal(legalDir, document, request.locale);
      // The document's own first `# heading` is the page title (one h1 per page).
      const heading = /^\s*#\s+(.+)\r?\n/.exec(source);
      const title = heading?.[1]?.trim() ?? view.t(document === 'privacy' ? 'web.footer.privacy' : 'web.footer.terms');
      const content = renderMarkdown(heading ? source.slice(heading[0].length) : source, vars);
      const note = locale === request.locale ? undefined : view.t('web.legal.untranslated_note');
      sendPage(response, 200, legalPage(view, { title, content, locale, note }));
    });
  }

  router.get('/lang/:locale', (request, response) => {
    const { locale } = request.params;
    if (isLocale(locale)) setCookie(response, LOCALE_COOKIE, locale, site.isSecure, 365 * 24 * 60 * 60 * 1000);
    response.redirect(303, safeNext(request.query.next, '/'));
  });

  router.get('/assets/create.js', (_request, response) => {
    response.setHeader('Cache-Control', 'public, max-age=3600');
    response.type('text/javascript').send(CREATE_SCRIPT);
  });

  router.get('/assets/site.css', (_request, response) => {
    response.setHeader('Cache-Control', 'public, max-age=3600');
    response.type('text/css').send(SITE_CSS);
  });

  return router;
}
